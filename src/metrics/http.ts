import type { FastifyInstance } from 'fastify';
import type { Readiness } from './readiness.js';
import type { TallyMetrics } from './tally-metrics.js';

/** Requests fastify answered without a route (404s): one label value, whatever the URL was. */
export const UNMATCHED_ROUTE = 'unmatched';

/** Counts and times one answered request; `route` is its pattern (`/:file`), never the URL. */
export type ObserveRequest = (method: string, route: string, statusCode: number, seconds: number) => void;

/** Request counting and timing into `metrics`, for fastify's requests and any answered beside it. */
export function requestObserver(metrics: TallyMetrics): ObserveRequest {
  // Bound children per label set (a handful of them): label validation and lookup by object on
  // every request showed in the proxy's narinfo profile.
  const children = new Map<string, { count(): void; time(seconds: number): void }>();
  return (method, route, statusCode, seconds) => {
    const key = `${method} ${route} ${statusCode}`;
    let bound = children.get(key);
    if (!bound) {
      const counter = metrics.httpRequests.labels(method, route, String(statusCode));
      const histogram = metrics.httpRequestDuration.labels(method, route);
      bound = { count: () => counter.inc(), time: (s) => histogram.observe(s) };
      children.set(key, bound);
    }
    bound.count();
    bound.time(seconds);
  };
}

/** Observes every request of `app` once its response is sent. */
export function observeRequests(app: FastifyInstance, observe: ObserveRequest): void {
  app.addHook('onResponse', (request, reply, done) => {
    observe(
      request.method,
      request.routeOptions.url ?? UNMATCHED_ROUTE,
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
    done();
  });
}

export interface Observability {
  metrics: TallyMetrics;
  readiness: Readiness;
}

/**
 * GET /metrics: Prometheus text of the daemon's registry. GET /healthz: 200 {"status":"ready"} when
 * storage is open and the listeners are up, else 503 {"status":"not ready","notReady":[...]}.
 */
export function registerObservabilityRoutes(
  app: FastifyInstance,
  { metrics, readiness }: Observability,
): void {
  app.get('/metrics', async (_request, reply) => {
    const text = await metrics.registry.metrics();
    return reply.header('content-type', metrics.registry.contentType).send(text);
  });
  app.get('/healthz', async (_request, reply) => {
    const notReady = readiness.notReady();
    if (notReady.length === 0) return reply.send({ status: 'ready' });
    return reply.code(503).send({ status: 'not ready', notReady });
  });
}
