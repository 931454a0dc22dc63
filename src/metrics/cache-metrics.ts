import { Counter, Gauge } from 'prom-client';
import { NAR_ABORT_REASONS, type CacheEvents } from '../cache/cache-events.js';
import type { SetAsideCause } from '../cache/upstream-health.js';
import type { TallyMetrics } from './tally-metrics.js';

const SET_ASIDE_CAUSES: readonly SetAsideCause[] = ['bad_nar', 'unreachable'];

/** The cache proxy's own events as Prometheus metrics in `metrics`' registry. */
export function cacheMetrics(metrics: TallyMetrics): CacheEvents {
  const registers = [metrics.registry];
  const narAborts = new Counter({
    name: 'tally_nar_aborts_total',
    help: 'NAR transfers aborted after their 200 was sent, by reason (verification_failed, upstream_failed, client_gone).',
    labelNames: ['reason'],
    registers,
  });
  for (const reason of NAR_ABORT_REASONS) narAborts.inc({ reason }, 0);
  const setAside = new Counter({
    name: 'tally_upstream_set_aside_total',
    help: 'Times an agreeing upstream was set aside, by upstream URL and cause (bad_nar, unreachable).',
    labelNames: ['upstream', 'cause'],
    registers,
  });
  let countSetAside: () => Record<SetAsideCause, number> = () => ({ bad_nar: 0, unreachable: 0 });
  new Gauge({
    name: 'tally_upstreams_set_aside',
    help: 'Agreeing upstreams set aside now, by cause (bad_nar: tried last; unreachable: skipped until a probe succeeds).',
    labelNames: ['cause'],
    registers,
    collect() {
      const counts = countSetAside();
      for (const cause of SET_ASIDE_CAUSES) this.set({ cause }, counts[cause]);
    },
  });
  return {
    narAborted: (reason) => narAborts.inc({ reason }),
    upstreamSetAside: (event) => setAside.inc({ upstream: event.upstream, cause: event.cause }),
    watchSetAside: (count) => (countSetAside = count),
  };
}
