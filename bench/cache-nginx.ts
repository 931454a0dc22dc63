/**
 * Debian's nginx serving a binary cache directory statically, the reference `npm run bench:cache`
 * measures the proxy against: a minimal config in a temp dir, run as a foreground child.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const NGINX = '/usr/sbin/nginx';

export interface Nginx {
  url: string;
  /** Master and worker pids, for CPU accounting. */
  pids(): number[];
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A config as close to Debian's defaults as a static cache needs (worker_processes auto, sendfile). */
function config(dir: string, root: string, port: number): string {
  const user = os.userInfo();
  // Workers of a root master switch to `nobody`, who cannot read a private temp dir.
  const userLine = user.uid === 0 ? 'user root root;\n' : '';
  const temp = (name: string) => `${name}_temp_path ${path.join(dir, name)};`;
  return `${userLine}worker_processes auto;
pid ${path.join(dir, 'nginx.pid')};
error_log ${path.join(dir, 'error.log')} warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_timeout 65;
  keepalive_requests 10000000;
  ${['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(temp).join('\n  ')}
  types {
    text/x-nix-narinfo narinfo;
    application/x-nix-nar nar;
    text/x-nix-cache-info nix-cache-info;
  }
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:${port};
    root ${root};
  }
}
`;
}

/** Starts nginx on a free loopback port; resolves once it answers 200 for `readyPath` (a file under root). */
export async function startNginx(dir: string, root: string, readyPath = '/nix-cache-info'): Promise<Nginx> {
  if (!fs.existsSync(NGINX)) {
    throw new Error(
      `${NGINX} not found: the cache benchmark compares against Debian's nginx (apt-get install nginx-light)`,
    );
  }
  fs.mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const conf = path.join(dir, 'nginx.conf');
  fs.writeFileSync(conf, config(dir, root, port));
  const check = spawnSync(NGINX, ['-t', '-q', '-c', conf, '-g', 'daemon off;'], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`nginx rejected ${conf}: ${check.stderr}`);
  const proc: ChildProcess = spawn(NGINX, ['-c', conf, '-g', 'daemon off;'], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => proc.on('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (proc.exitCode !== null)
      throw new Error(`nginx exited with ${proc.exitCode}; see ${path.join(dir, 'error.log')}`);
    const up = await fetch(`${url}${readyPath}`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    if (i > 100) throw new Error(`nginx did not answer on ${url}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    pids: () => [proc.pid!, ...childPids(proc.pid!)],
    stop: async () => {
      proc.kill('SIGQUIT');
      await exited;
    },
  };
}

function childPids(pid: number): number[] {
  const file = `/proc/${pid}/task/${pid}/children`;
  return fs.existsSync(file)
    ? fs.readFileSync(file, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number)
    : [];
}
