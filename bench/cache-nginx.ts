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

/**
 * A port the kernel just handed out and released. Another process may take it before nginx binds
 * it (nginx cannot bind port 0 and report the port), so startNginx retries with a fresh port when
 * nginx reports the address in use. The bench keeps nginx on TCP, as the proxy it is compared to.
 */
async function ephemeralPort(): Promise<number> {
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
  for (let attempt = 1; ; attempt++) {
    const port = await ephemeralPort();
    try {
      return await startOnPort(dir, root, readyPath, port);
    } catch (err) {
      if (!(err instanceof PortTaken) || attempt >= 5) throw err;
    }
  }
}

class PortTaken extends Error {}

async function startOnPort(dir: string, root: string, readyPath: string, port: number): Promise<Nginx> {
  const conf = path.join(dir, 'nginx.conf');
  const errorLog = path.join(dir, 'error.log');
  const pidFile = path.join(dir, 'nginx.pid');
  fs.rmSync(errorLog, { force: true });
  fs.writeFileSync(conf, config(dir, root, port));
  const check = spawnSync(NGINX, ['-t', '-q', '-c', conf, '-g', 'daemon off;'], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`nginx rejected ${conf}: ${check.stderr}`);
  fs.rmSync(pidFile, { force: true }); // `nginx -t` writes one too
  const proc: ChildProcess = spawn(NGINX, ['-c', conf, '-g', 'daemon off;'], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => proc.on('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (proc.exitCode !== null) {
      const log = fs.existsSync(errorLog) ? fs.readFileSync(errorLog, 'utf8') : '';
      if (log.includes('Address already in use'))
        throw new PortTaken(`${url} was taken before nginx bound it`);
      throw new Error(`nginx exited with ${proc.exitCode}; see ${errorLog}`);
    }
    // nginx writes its pid file only after it bound the port: until then whatever answers on the
    // port is not this nginx.
    const up =
      fs.existsSync(pidFile) &&
      (await fetch(`${url}${readyPath}`).then(
        (r) => r.ok,
        () => false,
      ));
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
