import Fastify from 'fastify';
import type { HostPort } from '../config/address.js';
import { registerLogRoutes } from '../api/http/log-routes.js';
import { registerR13yPageRoutes } from '../api/http/r13y-page-routes.js';
import type { R13yReport } from '../api/http/r13y-query.js';
import { registerR13yRoutes } from '../api/http/r13y-routes.js';
import { registerWitnessRoutes } from '../api/http/witness-routes.js';
import type { PublishedLogs } from '../publisher/published-log.js';
import type { ServedStore } from '../publisher/log-resources.js';
import type { Witness } from '../witness-server/witness.js';
import { listenHttp } from './http-listen.js';

export interface LogHttpListener {
  address: string;
  close(): Promise<void>;
}

/**
 * The public HTTP listener (api.http_listen): every log as tlog-tiles, read-only, and the
 * witness's add-checkpoint when this node is a witness (whose only input is signed checkpoints),
 * and the reproducibility report when it mirrors logs.
 */
export async function startLogHttpListener(
  listen: HostPort,
  logs: PublishedLogs,
  witness?: { witness: Witness; prefix: string },
  mirrors?: (logId: string) => ServedStore | undefined,
  r13y?: R13yReport,
): Promise<LogHttpListener> {
  // Paths are matched strictly by the routes; a long URL is refused before any work.
  const app = Fastify({ logger: false, routerOptions: { maxParamLength: 300 } });
  registerLogRoutes(app, logs, mirrors);
  if (witness) registerWitnessRoutes(app, witness.witness, witness.prefix);
  if (r13y) {
    registerR13yRoutes(app, r13y);
    registerR13yPageRoutes(app, r13y);
  }
  const address = await listenHttp(app, listen, 'the log HTTP API (api.http_listen)');
  return { address, close: () => app.close() };
}
