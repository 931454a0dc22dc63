import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll } from 'vitest';
import { pollUntil } from './poll.js';
import { tempDir } from './tmp.js';

/** Debian's nginx (package nginx-light); .ci/run installs it. A test that needs it fails without it. */
export const NGINX = '/usr/sbin/nginx';

export interface NginxProcess {
  /** http://127.0.0.1:<port>: a port-0 forwarder in this process to nginx's Unix socket. */
  url: string;
  output(): string;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
afterAll(() => {
  for (const proc of running) proc.kill('SIGKILL');
});

/**
 * Runs nginx (a real process, in the foreground) serving `root` with the server-block lines
 * `server`. nginx cannot bind port 0 and report the port, so it listens on a Unix socket, and a
 * TCP forwarder on port 0 in the test process passes each connection through byte for byte: no
 * test depends on a fixed port being free, and clients use plain http:// URLs.
 */
export async function startNginx(root: string, server: string): Promise<NginxProcess> {
  if (!fs.existsSync(NGINX)) throw new Error(`${NGINX} is missing: install Debian's nginx-light`);
  const dir = tempDir('tally-nginx-');
  const socket = path.join(dir, 'nginx.sock');
  const temp = (name: string) => `${name}_temp_path ${path.join(dir, name)};`;
  const config = [
    'daemon off;',
    'worker_processes 1;',
    `pid ${path.join(dir, 'nginx.pid')};`,
    // As root, workers would run as nobody, who cannot read the test's 0700 temp directories.
    process.getuid?.() === 0 ? 'user root;' : '',
    'events { worker_connections 64; }',
    'http {',
    '  access_log off;',
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(temp),
    `  server { listen unix:${socket}; root ${root}; ${server} }`,
    '}',
  ].join('\n');
  fs.writeFileSync(path.join(dir, 'nginx.conf'), config);
  const proc = spawn(NGINX, ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-e', 'stderr'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(proc);
  let out = '';
  proc.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  proc.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<void>((resolve) => proc.on('exit', () => resolve()));
  let gone = false;
  void exited.then(() => (gone = true));
  await pollUntil(
    `nginx to listen on ${socket}`,
    () => {
      if (gone) throw new Error(`nginx exited before it listened:\n${out}`);
      return fs.existsSync(socket);
    },
    { timeoutMs: 20_000, intervalMs: 20 },
  );
  const open = new Set<net.Socket>();
  const forwarder = net.createServer((client) => {
    const upstream = net.connect(socket);
    open.add(client).add(upstream);
    client.on('close', () => open.delete(client));
    upstream.on('close', () => open.delete(upstream));
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => forwarder.listen(0, '127.0.0.1', resolve));
  const { port } = forwarder.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    output: () => out,
    async stop() {
      for (const connection of open) connection.destroy(); // kept-alive client connections
      await new Promise((resolve) => forwarder.close(resolve));
      running.delete(proc);
      proc.kill('SIGTERM');
      await exited;
    },
  };
}
