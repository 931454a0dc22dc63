import net from 'node:net';
import { formatHostPort, type HostPort } from '../config/address.js';
import type { Config } from '../config/types.js';
import { TallyError } from '../errors.js';

/** A TCP address the daemon will listen on, and the config key that sets it. */
export interface ListenAddress {
  listen: HostPort;
  purpose: string;
}

/** Every TCP listener the config asks for (the admin socket is a file under the state directory). */
export function tcpListenersOf(config: Config): ListenAddress[] {
  const all: [HostPort | undefined, string][] = [
    [config.api.listen, 'the public gRPC API ([api] listen)'],
    [config.api.httpListen, 'the HTTP read API ([api] http_listen)'],
    [config.admin.tokenFile ? config.admin.listen : undefined, 'the admin API ([admin] listen)'],
    [config.cache.listen, 'the Nix binary cache ([cache] listen)'],
    [config.cache.metricsListen, 'metrics ([cache] metrics_listen)'],
  ];
  return all.flatMap(([listen, purpose]) => (listen ? [{ listen, purpose }] : []));
}

const WHAT_TO_DO: Record<string, string> = {
  EADDRINUSE: 'the address is already in use; stop what holds it, or move the listener in a config file',
  EADDRNOTAVAIL: "the address is not one of this machine's; listen on one of its addresses instead",
  EACCES: 'permission denied (ports below 1024 need privileges); choose a port of 1024 or more',
};

/**
 * Binds every address at once, then lets go of them all: the start checks that it can listen before
 * it creates any state, so a port conflict leaves no state directory and no new key behind.
 */
export async function checkCanListen(addresses: ListenAddress[]): Promise<void> {
  const held: net.Server[] = [];
  try {
    for (const { listen, purpose } of addresses) {
      const server = net.createServer();
      await new Promise<void>((resolve, reject) => {
        server.once('error', (err: NodeJS.ErrnoException) => {
          const why = (err.code && WHAT_TO_DO[err.code]) ?? err.message;
          reject(
            new TallyError(
              'UNAVAILABLE',
              `cannot listen on ${formatHostPort(listen)} for ${purpose}: ${why}`,
            ),
          );
        });
        server.listen({ host: listen.host, port: listen.port }, resolve);
      });
      held.push(server);
    }
  } finally {
    await Promise.all(held.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}
