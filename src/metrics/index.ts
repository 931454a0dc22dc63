/** Observability: Prometheus metrics (a registry per daemon), readiness, and the HTTP routes serving them. */
export { decisionCounter } from './decision-counting.js';
export { registerFollowedLogGauges, type FollowedLogView } from './followed-log-gauges.js';
export { observeRequests, registerObservabilityRoutes, requestObserver, type Observability } from './http.js';
export { Readiness } from './readiness.js';
export { cacheMetrics } from './cache-metrics.js';
export { registerR13yGauges } from './r13y-gauges.js';
export { registerSpoolGauge } from './spool-gauge.js';
export { registerStaticCopyGauges } from './static-copy-gauges.js';
export { registerWitnessCosigningGauges } from './witness-cosigning-gauges.js';
export { createTallyMetrics, type TallyMetrics } from './tally-metrics.js';
