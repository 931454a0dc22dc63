import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const cli = path.resolve(import.meta.dirname, '../src/cli/main.js');
/** Extra node flags for the daemons, e.g. TALLY_BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/p" to profile them. */
const nodeArgs = (process.env.TALLY_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);

/** Starts a real `tally daemon` child on ephemeral ports; resolves with its bound addresses. */
export async function spawnDaemon(
  stateDir: string,
  extraConfig = '',
  /** metrics: also serve /metrics (cache.metrics_listen) on an ephemeral port. */
  options: { metrics?: boolean } = {},
): Promise<{
  proc: ChildProcess;
  api: string;
  adminSocket: string;
  http: string;
  metrics?: string;
  stop(): Promise<void>;
}> {
  fs.mkdirSync(stateDir, { recursive: true });
  const configFile = `${stateDir}.toml`;
  fs.writeFileSync(
    configFile,
    `log_level = "info"\n[api]\nlisten = "127.0.0.1:0"\nhttp_listen = "127.0.0.1:0"\n[cache]\nlisten = ""\n${options.metrics ? 'metrics_listen = "127.0.0.1:0"\n' : ''}${extraConfig}`,
  );
  const proc = spawn(
    process.execPath,
    [...nodeArgs, cli, 'daemon', '--config', configFile, '--state', stateDir],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  const ready = await new Promise<{ api: string; adminSocket: string; http: string; metrics?: string }>(
    (resolve, reject) => {
      proc.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
        const line = out.split('\n').find((l) => l.includes('tally daemon ready'));
        if (line) resolve(JSON.parse(line).addresses);
      });
      proc.on('exit', (code) => reject(new Error(`daemon exited with ${code}: ${out}`)));
    },
  );
  return {
    proc,
    ...ready,
    stop: () =>
      new Promise((resolve) => {
        proc.on('exit', () => resolve());
        proc.kill('SIGTERM');
      }),
  };
}
