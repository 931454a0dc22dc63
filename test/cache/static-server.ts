import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export interface StaticServer {
  url: string;
  /** The path of every request received, in order (answered or not). */
  requests: string[];
  /** While hanging, requests are accepted and never answered, like a hung upstream. */
  hang(hanging: boolean): void;
  close(): Promise<void>;
}

/**
 * A plain static file server over a directory, like a builder's cache behind nginx. With
 * `breakNarsOffAfter`, NAR files are announced whole but the connection is dropped after that many
 * bytes, like an upstream that fails mid-transfer.
 */
export async function serveDirectory(
  root: string,
  options: { breakNarsOffAfter?: number; hanging?: boolean } = {},
): Promise<StaticServer> {
  const requests: string[] = [];
  let hanging = options.hanging ?? false;
  const server = http.createServer((req, res) => {
    requests.push(new URL(req.url ?? '/', 'http://x').pathname);
    if (hanging) return;
    const rel = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = path.join(root, path.normalize(rel));
    if (!file.startsWith(root) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404).end('not found\n');
      return;
    }
    res.writeHead(200, { 'content-length': fs.statSync(file).size });
    if (req.method === 'HEAD') res.end();
    else if (options.breakNarsOffAfter !== undefined && rel.startsWith('/nar/')) {
      res.write(fs.readFileSync(file).subarray(0, options.breakNarsOffAfter), () => res.destroy());
    } else fs.createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    hang: (h) => (hanging = h),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A loopback URL where nothing listens (the port was just released). */
export async function deadUrl(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
