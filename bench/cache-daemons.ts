/**
 * The tally side of `npm run bench:cache`: publishing daemons that each publish the bench cache
 * with `tally publish-cache`, and a client daemon that follows their logs, votes, and serves the
 * cache proxy with nginx as every log's upstream. All real `tally daemon` child processes.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { connectAdmin } from '../src/api/client.js';
import { keyFromHashPart } from '../src/nix/store-path.js';

const cli = path.resolve(import.meta.dirname, '../src/cli/main.js');

export interface BenchDaemon {
  pid: number;
  addresses: { api?: string; adminSocket: string; cache?: string };
  stop(): Promise<void>;
}

/** `tally daemon` with exactly `config` (TOML); resolves with the addresses of its ready line. */
export async function startBenchDaemon(
  stateDir: string,
  config: string,
  nodeArgs: string[] = [],
): Promise<BenchDaemon> {
  fs.mkdirSync(stateDir, { recursive: true });
  const configFile = `${stateDir}.toml`;
  fs.writeFileSync(configFile, config);
  const proc: ChildProcess = spawn(
    process.execPath,
    [...nodeArgs, cli, 'daemon', '--config', configFile, '--state', stateDir],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  const exited = new Promise<void>((resolve) => proc.on('exit', () => resolve()));
  const addresses = await new Promise<BenchDaemon['addresses']>((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`daemon in ${stateDir} not ready after 30 s: ${out}`));
    }, 30_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => l.includes('tally daemon ready'));
      if (!line) return;
      clearTimeout(timer);
      resolve((JSON.parse(line) as { addresses: BenchDaemon['addresses'] }).addresses);
      // Later lines are drained and dropped.
      proc.stdout!.off('data', onData);
      proc.stdout!.resume();
    };
    proc.stdout!.on('data', onData);
    proc.on('exit', (code) => reject(new Error(`daemon in ${stateDir} exited with ${code}: ${out}`)));
  });
  return {
    pid: proc.pid!,
    addresses,
    stop: async () => {
      proc.kill('SIGTERM');
      await exited;
    },
  };
}

const BASE = 'log_level = "info"\n'; // the ready line is an info line

export interface Builder {
  name: string;
  daemon: BenchDaemon;
  publicKey: string;
}

/** A publishing daemon that has published every narinfo of `cacheDirs` with `tally publish-cache`. */
export async function startBuilder(root: string, name: string, ...cacheDirs: string[]): Promise<Builder> {
  const stateDir = path.join(root, name);
  const daemon = await startBenchDaemon(
    stateDir,
    `${BASE}[api]\nlisten = "127.0.0.1:0"\nhttp_listen = ""\n[cache]\nlisten = ""\n[publish]\nname = "${name}"\n`,
  );
  for (const cacheDir of cacheDirs) {
    await promisify(execFile)(process.execPath, [
      cli,
      'publish-cache',
      cacheDir,
      '--state',
      stateDir,
      '--json',
    ]);
  }
  const publicKey = fs.readFileSync(path.join(stateDir, 'keys', `${name}.public`), 'utf8').trim();
  return { name, daemon, publicKey };
}

/** A daemon following `builders`, each with `upstream` as its binary cache, serving the proxy. */
export async function startClient(
  root: string,
  builders: Builder[],
  upstream: string,
  nodeArgs: string[] = [],
  name = 'client',
): Promise<BenchDaemon> {
  const follows = builders
    .map(
      (b) =>
        `[[follow]]\nname = "${b.name}"\npublic_key = "${b.publicKey}"\naddress = "${b.daemon.addresses.api}"\n` +
        `poll_interval_seconds = 1\n[follow.meta]\nupstream = "${upstream}"\n`,
    )
    .join('');
  // Decisions stay cached for the whole run: the narinfo numbers are for warm decisions.
  return startBenchDaemon(
    path.join(root, name),
    `${BASE}[api]\nlisten = ""\nhttp_listen = ""\n[cache]\nlisten = "127.0.0.1:0"\n[publish]\nenabled = false\n` +
      `[decide]\ncache_ttl_seconds = 3600\n${follows}`,
    nodeArgs,
  );
}

/**
 * Asks the client to decide every hash part afresh until all are decided (the follower catches
 * up with the builders' heads within a poll interval); the decisions are then cached.
 */
export async function warmDecisions(
  client: BenchDaemon,
  hashParts: string[],
  timeoutMs = 60_000,
): Promise<void> {
  const admin = connectAdmin({ socketPath: client.addresses.adminSocket });
  const deadline = Date.now() + timeoutMs;
  try {
    let pending = hashParts;
    while (pending.length > 0) {
      const undecided: string[] = [];
      for (let i = 0; i < pending.length; i += 32) {
        const batch = pending.slice(i, i + 32);
        const answers = await Promise.all(
          batch.map((h) => admin.decide({ key: keyFromHashPart(h), bypassCache: true })),
        );
        answers.forEach((a, j) => a.decided || undecided.push(batch[j]!));
      }
      pending = undecided;
      if (pending.length === 0) break;
      if (Date.now() > deadline)
        throw new Error(`${pending.length} paths still undecided after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    admin.close();
  }
}
