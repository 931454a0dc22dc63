import Fastify from 'fastify';
import type { HostPort } from '../config/address.js';
import { registerObservabilityRoutes, type Observability } from '../metrics/index.js';
import { listenHttp } from './http-listen.js';

export interface MetricsListener {
  address: string;
  close(): Promise<void>;
}

/** The optional separate address (cache.metrics_listen) serving only /metrics and /healthz. */
export async function startMetricsListener(
  listen: HostPort,
  observability: Observability,
): Promise<MetricsListener> {
  const app = Fastify({ logger: false });
  registerObservabilityRoutes(app, observability);
  const address = await listenHttp(app, listen, 'metrics');
  return { address, close: () => app.close() };
}
