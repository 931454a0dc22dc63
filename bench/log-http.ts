/**
 * Full tiles over HTTP for `npm run bench:log`: the daemon's tlog-tiles listener against Debian's
 * nginx serving the same tile files from a static directory, side by side, the load generated
 * from this process (bench/cache-load.ts) on keep-alive connections.
 */
import fs from 'node:fs';
import path from 'node:path';
import { readLogResource } from '../src/publisher/log-resources.js';
import type { LogStore } from '../src/store/log-store.js';
import { TILE_WIDTH, logResourcePath, parseLogResourcePath, type LogResource } from '../src/tiles/index.js';
import { startBenchDaemon, type BenchDaemon } from './cache-daemons.js';
import { requestRate, type Measured } from './cache-load.js';
import { startNginx, type Nginx } from './cache-nginx.js';

/** `count` full tiles spread evenly over the log: level-0 tiles, and every full level-1 tile. */
export function fullTilePaths(logId: string, size: number, count: number): string[] {
  const level0 = Math.floor(size / TILE_WIDTH);
  const level1 = Math.floor(size / TILE_WIDTH ** 2);
  const picked = Math.max(0, Math.min(count - level1, level0));
  const resources: LogResource[] = [];
  for (let i = 0; i < picked; i++) {
    const index = Math.floor((i * level0) / picked);
    resources.push({ kind: 'tile', tile: { level: 0, index, width: TILE_WIDTH } });
  }
  for (let index = 0; index < level1; index++)
    resources.push({ kind: 'tile', tile: { level: 1, index, width: TILE_WIDTH } });
  return resources.map((r) => `/logs/${logId}/${logResourcePath(r)}`);
}

/** Writes the tiles at `paths` (as fullTilePaths names them) under `root`, from the store. */
export async function writeStaticTiles(
  store: LogStore,
  root: string,
  paths: readonly string[],
): Promise<void> {
  for (const urlPath of paths) {
    const relative = urlPath.split('/').slice(3).join('/');
    const resource = parseLogResourcePath(relative)!;
    const bytes = await readLogResource(store, resource);
    if (bytes === undefined) throw new Error(`the store has no ${relative}`);
    const file = path.join(root, urlPath);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, bytes.body);
  }
}

export interface TileRates {
  nginx: Measured[];
  daemon: Measured[];
}

/**
 * Alternating rounds of `seconds` each against nginx (over `staticRoot`) and a `tally daemon`
 * publishing the log in `stateDir` (its key in `keyFile`), every request a full tile of `paths`.
 */
export async function measureTileServing(options: {
  workDir: string;
  staticRoot: string;
  stateDir: string;
  keyFile: string;
  paths: readonly string[];
  connections: number;
  seconds: number;
  rounds: number;
  nodeArgs?: string[];
}): Promise<TileRates> {
  let nginx: Nginx | undefined;
  let daemon: BenchDaemon | undefined;
  try {
    nginx = await startNginx(path.join(options.workDir, 'nginx'), options.staticRoot, options.paths[0]);
    daemon = await startBenchDaemon(
      options.stateDir,
      `log_level = "info"\n[api]\nlisten = ""\nhttp_listen = "127.0.0.1:0"\n[cache]\nlisten = ""\n` +
        `[publish]\nname = "bench"\nkey_file = "${options.keyFile}"\n`,
      options.nodeArgs,
    );
    const daemonUrl = `http://${(daemon.addresses as { http?: string }).http}`;
    const load = (base: string, serverPids: () => number[]) =>
      requestRate(base, options.paths, {
        connections: options.connections,
        seconds: options.seconds,
        maxRequests: 10_000_000,
        serverPids,
      });
    // Warm both (page cache, LevelDB table mmaps, JIT) over every path once.
    const warm = { connections: options.connections, seconds: 60, maxRequests: options.paths.length };
    await requestRate(nginx.url, options.paths, { ...warm, serverPids: nginx.pids });
    await requestRate(daemonUrl, options.paths, { ...warm, serverPids: () => [daemon!.pid] });
    const rates: TileRates = { nginx: [], daemon: [] };
    for (let round = 0; round < options.rounds; round++) {
      rates.nginx.push(await load(nginx.url, nginx.pids));
      rates.daemon.push(await load(daemonUrl, () => [daemon!.pid]));
    }
    return rates;
  } finally {
    await daemon?.stop();
    await nginx?.stop();
  }
}
