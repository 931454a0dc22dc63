import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real HTTP server in front of a log's tiles prefix that forwards every request to the origin
 * and can misbehave on the resources a test picks: what `tamper` returns is sent instead.
 */
export type Tamper = (path: string, body: Buffer, res: http.ServerResponse) => Buffer | 'handled' | undefined;

export interface TilesProxy {
  /** The proxy's prefix for the log, ending in "/". */
  url: string;
  /** Paths requested so far. */
  requested: string[];
  tamper: Tamper | undefined;
  /** Where requests go: the origin's prefix, which a test may point at another server of the same log. */
  origin: string;
  close(): Promise<void>;
}

export async function startTilesProxy(originPrefix: string): Promise<TilesProxy> {
  const proxy: TilesProxy = {
    url: '',
    requested: [],
    tamper: undefined,
    origin: originPrefix,
    close: async () => undefined,
  };
  const origin = new URL(originPrefix);
  const server = http.createServer((req, res) => {
    const path = req.url!.slice(origin.pathname.length);
    proxy.requested.push(path);
    void fetch(proxy.origin + path, { headers: { 'accept-encoding': 'identity' } }).then(
      async (answer) => {
        const body = Buffer.from(await answer.arrayBuffer());
        const tampered = answer.status === 200 ? proxy.tamper?.(path, body, res) : undefined;
        if (tampered === 'handled') return;
        res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? '' });
        res.end(tampered ?? body);
      },
      () => {
        res.writeHead(502);
        res.end('origin unreachable\n');
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  proxy.url = `http://127.0.0.1:${port}${origin.pathname}`;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return proxy;
}
