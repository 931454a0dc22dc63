/**
 * HTTP load for `npm run bench:cache`, with node's own http client (keep-alive agents, bodies
 * read and discarded), bounded in count and time. Every answer must be a 200 of the expected size.
 */
import http from 'node:http';
import { cpuSecondsOf, ownCpuSeconds } from './cpu-time.js';

export interface Measured {
  count: number;
  seconds: number;
  /** CPU seconds the server processes spent (user + system, all threads). */
  serverCpuSeconds: number;
  /** CPU seconds this process (the load) spent. */
  clientCpuSeconds: number;
}

function get(agent: http.Agent, url: URL): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.get(
      { agent, host: url.hostname, port: url.port, path: url.pathname + url.search },
      (res) => {
        let bytes = 0;
        res.on('data', (chunk: Buffer) => (bytes += chunk.length));
        res.on('end', () =>
          res.statusCode === 200
            ? resolve(bytes)
            : reject(new Error(`${url} answered HTTP ${res.statusCode}`)),
        );
        res.on('error', reject);
      },
    );
    request.on('error', reject);
  });
}

/**
 * GETs `paths` round-robin on `connections` keep-alive connections, each waiting for its answer
 * before the next request, for `seconds` or `maxRequests` requests, whichever ends first.
 */
export async function requestRate(
  base: string,
  paths: readonly string[],
  options: { connections: number; seconds: number; maxRequests: number; serverPids: () => number[] },
): Promise<Measured> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.connections });
  const urls = paths.map((p) => new URL(p, base));
  let next = 0;
  const cpuBefore = cpuSecondsOf(options.serverPids());
  const clientBefore = ownCpuSeconds();
  const start = performance.now();
  const stopAt = start + options.seconds * 1000;
  await Promise.all(
    Array.from({ length: options.connections }, async () => {
      while (next < options.maxRequests && performance.now() < stopAt) {
        await get(agent, urls[next++ % urls.length]!);
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  const serverCpuSeconds = cpuSecondsOf(options.serverPids()) - cpuBefore;
  agent.destroy();
  return { count: next, seconds, serverCpuSeconds, clientCpuSeconds: ownCpuSeconds() - clientBefore };
}

/**
 * Downloads `url` once on a fresh connection; the body must be `bytes` long. `count` is `narSize`,
 * so that a compressed upstream file and the proxy's uncompressed NAR compare as NARs per second.
 */
export async function download(
  url: string,
  sizes: { bytes: number; narSize: number },
  serverPids: () => number[],
): Promise<Measured> {
  const agent = new http.Agent({ keepAlive: false });
  const cpuBefore = cpuSecondsOf(serverPids());
  const clientBefore = ownCpuSeconds();
  const start = performance.now();
  const bytes = await get(agent, new URL(url));
  const seconds = (performance.now() - start) / 1000;
  const serverCpuSeconds = cpuSecondsOf(serverPids()) - cpuBefore;
  agent.destroy();
  if (bytes !== sizes.bytes) throw new Error(`${url}: ${bytes} bytes received, ${sizes.bytes} expected`);
  return {
    count: sizes.narSize,
    seconds,
    serverCpuSeconds,
    clientCpuSeconds: ownCpuSeconds() - clientBefore,
  };
}
