import { ClassicLevel } from 'classic-level';
import { expect } from 'vitest';
import { followerStoreDirOf } from '../../src/config/state-paths.js';
import { TILE_WIDTH, tilePath } from '../../src/tiles/index.js';
import { startDaemonProcess, testConfig, type DaemonProcess } from '../helpers/daemon.js';

/** Helpers for following logs over tlog-tiles (`[[follow]] url`), not mirrored unless asked. */

export interface TilesFollow {
  name: string;
  publicKey: string;
  /** The log's tiles prefix, ending in "/". */
  url: string;
  /** The log's gRPC API, for lookups (without it they go to `<url>tally/lookup`). */
  address?: string;
  mirror?: boolean;
  /** More keys of its [[follow]] table, e.g. `witnesses = [...]`. */
  extra?: string;
}

export function tilesFollowerConfig(logs: TilesFollow[], extra = ''): string {
  const follows = logs
    .map(
      (l) =>
        `[[follow]]\nname = "${l.name}"\npublic_key = "${l.publicKey}"\nurl = "${l.url}"\n` +
        (l.address ? `address = "${l.address}"\n` : '') +
        (l.mirror ? 'mirror = true\n' : '') +
        'poll_interval_seconds = 1\nrequest_timeout_ms = 1500\n' +
        (l.extra ?? ''),
    )
    .join('');
  return testConfig(`[publish]\nenabled = false\n[decide]\ncache_ttl_seconds = 0\n${extra}\n${follows}`);
}

export function startTilesFollower(
  stateDir: string,
  logs: TilesFollow[],
  extra = '',
): Promise<DaemonProcess> {
  return startDaemonProcess({ stateDir, config: tilesFollowerConfig(logs, extra) });
}

/** The full tiles a stopped follower kept for `logId`, by tile path, read from its real LevelDB. */
export async function keptTiles(stateDir: string, logId: string): Promise<Map<string, Buffer>> {
  const db = new ClassicLevel<string, Buffer>(followerStoreDirOf(stateDir), {
    keyEncoding: 'utf8',
    valueEncoding: 'buffer',
  });
  await db.open();
  const tiles = new Map<string, Buffer>();
  const prefix = `tile/${logId}/`;
  try {
    for await (const [key, value] of db.iterator({ gte: prefix, lt: `${prefix}\xff` })) {
      const [level, index] = key.slice(prefix.length).split('/').map(Number);
      tiles.set(tilePath({ level: level!, index: index!, width: TILE_WIDTH }), value);
    }
  } finally {
    await db.close();
  }
  return tiles;
}

/** Expects every tile the stopped follower kept for `logId` to be the origin's, byte for byte; returns how many. */
export async function expectKeptTilesGenuine(
  stateDir: string,
  logId: string,
  originUrl: string,
): Promise<number> {
  const kept = await keptTiles(stateDir, logId);
  for (const [path, bytes] of kept) {
    const answer = await fetch(originUrl + path, { headers: { 'accept-encoding': 'identity' } });
    expect(answer.status, path).toBe(200);
    expect(Buffer.from(await answer.arrayBuffer()).equals(bytes), `kept ${path}`).toBe(true);
  }
  return kept.size;
}
