import Fastify from 'fastify';
import type { HostPort } from '../config/address.js';
import { registerLogRoutes } from '../api/http/log-routes.js';
import type { PublishedLogs } from '../publisher/published-log.js';
import { listenHttp } from './http-listen.js';

export interface LogHttpListener {
  address: string;
  close(): Promise<void>;
}

/** The public, read-only HTTP listener (api.http_listen) serving every log as tlog-tiles. */
export async function startLogHttpListener(listen: HostPort, logs: PublishedLogs): Promise<LogHttpListener> {
  // Paths are matched strictly by the routes; a long URL is refused before any work.
  const app = Fastify({ logger: false, routerOptions: { maxParamLength: 300 } });
  registerLogRoutes(app, logs);
  const address = await listenHttp(app, listen, 'the log HTTP API (api.http_listen)');
  return { address, close: () => app.close() };
}
