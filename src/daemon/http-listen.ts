import type { FastifyInstance } from 'fastify';
import { formatHostPort, type HostPort } from '../config/address.js';
import { TallyError } from '../errors.js';

/** Listens with a fastify app (closing it when that fails); returns the address really bound. */
export async function listenHttp(app: FastifyInstance, listen: HostPort, purpose: string): Promise<string> {
  try {
    await app.listen({ host: listen.host, port: listen.port });
  } catch (err) {
    await app.close();
    throw new TallyError(
      'UNAVAILABLE',
      `cannot listen on ${formatHostPort(listen)} for ${purpose}: ${(err as Error).message}`,
    );
  }
  const bound = app.server.address();
  const port = typeof bound === 'object' && bound ? bound.port : listen.port;
  return formatHostPort({ host: listen.host, port });
}
