import type http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../../src/crypto/sha256.js';
import { TILE_WIDTH, parseLogResourcePath, tileBytesFromLeafHashes, tileKey } from '../../src/tiles/index.js';
import type { DaemonProcess } from '../helpers/daemon.js';
import { pollUntil } from '../helpers/poll.js';
import { testCluster, type Publisher } from './cluster.js';
import {
  expectMirrorMatchesOrigin,
  fill,
  logIdOfPublisher,
  logRow,
  openMirror,
  tilesUrlOf,
  trusting,
} from './mirror-cluster.js';
import { startTilesProxy, type Tamper, type TilesProxy } from './tiles-proxy.js';
import { expectKeptTilesGenuine, startTilesFollower } from './tiles-cluster.js';

const isTile = (p: string) => p.startsWith('tile/') && !p.startsWith('tile/entries/');

/**
 * Tile servers that misbehave (a real HTTP proxy in front of a real daemon's tiles), followed by
 * a node that follows the log over its tiles and by one that mirrors it. Each misbehaviour is
 * caught (the log is unreachable, the reason names the resource), the head does not advance past
 * what verified, and afterwards the followers' stores hold only the origin's bytes.
 */
describe('misbehaving tile servers', () => {
  const cluster = testCluster('tally-tiles-liars-');
  const root = cluster.root;
  let origin: Publisher;
  let proxy: TilesProxy;
  let tiles: DaemonProcess;
  let mirror: DaemonProcess;
  let size = 600;
  const tilesState = path.join(root, 'tiles-follower');
  const mirrorState = path.join(root, 'mirror-follower');

  beforeAll(async () => {
    origin = await cluster.publisher('origin');
    await fill(origin, size);
    proxy = await startTilesProxy(tilesUrlOf(origin));
    const log = { name: 'origin', publicKey: origin.publicKey, url: proxy.url };
    tiles = await startTilesFollower(tilesState, [log], trusting('origin'));
    mirror = await startTilesFollower(mirrorState, [{ ...log, mirror: true }], trusting('origin'));
    await bothAt(size);
  }, 120_000);
  afterAll(async () => {
    await tiles?.stop();
    await mirror?.stop();
    await proxy?.close();
  });

  async function bothAt(at: number): Promise<void> {
    for (const node of [tiles, mirror]) {
      await pollUntil(`healthy at size ${at}`, async () => {
        const row = await logRow(node, 'origin');
        return row.state === 'healthy' && row.headSize === at && (node !== mirror || row.mirroredSize === at);
      });
    }
  }

  /** Grows the log by 300 entries behind `tamper`: each node in `catching` must end unreachable for `reason`. */
  async function caught(tamper: Tamper, reason: RegExp, catching: DaemonProcess[] = [tiles, mirror]) {
    proxy.tamper = tamper;
    await fill(origin, size + 300, size);
    for (const node of catching) {
      const row = await pollUntil(`the liar caught (${reason})`, async () => {
        const r = await logRow(node, 'origin');
        return r.state === 'unreachable' && reason.test(r.reason) ? r : undefined;
      });
      // Nothing past what verified: the head stays (a mirror's head moves only once its tiles verified).
      if (node === tiles) expect(row.headSize).toBe(size);
      else expect(row.mirroredSize).toBe(size);
    }
    proxy.tamper = undefined;
    size += 300;
    await bothAt(size);
  }

  it('a flipped tile byte', async () => {
    await caught((p, body) => {
      if (!isTile(p)) return undefined;
      const flipped = Buffer.from(body);
      flipped[flipped.length >> 1]! ^= 1;
      return flipped;
    }, /tile\/\d.*(lead to root|hashes to)/);
  }, 60_000);

  it('a truncated entry bundle', async () => {
    // Only the mirror reads bundles; the other node needs tiles alone.
    await caught(
      (p, body) => (p.startsWith('tile/entries/') ? body.subarray(0, body.length - 7) : undefined),
      /tile\/entries\/\d+.*(truncated|holds|only \d+ remain)/,
      [mirror],
    );
  }, 60_000);

  it("a tile of another log's tree", async () => {
    // A genuine tile of another tree of 70,000 leaves, at the path and width asked for.
    const otherTiles = tileBytesFromLeafHashes(
      Array.from({ length: 70_000 }, (_, i) => sha256(Buffer.from(`another tree ${i}`))),
    );
    await caught((p) => {
      const resource = parseLogResourcePath(p);
      if (resource?.kind !== 'tile') return undefined;
      const { level, index, width } = resource.tile;
      return otherTiles.get(tileKey({ level, index, width: TILE_WIDTH }))!.subarray(0, width * 32);
    }, /tile\/\d.*(lead to root|hashes to)/);
  }, 60_000);

  it('a server that drips bytes slowly is cut off at the deadline', async () => {
    await caught(
      (p, body, res) => (isTile(p) ? drip(body, res) : undefined),
      /no complete answer within 1500 ms/,
    );
  }, 60_000);

  it('a 1 GiB body is cut off at the size a tile may have', async () => {
    await caught((p, _body, res) => (isTile(p) ? endless(res) : undefined), /more than the 8192 bytes/);
  }, 60_000);

  it('afterwards both stores hold only the origin bytes', async () => {
    await tiles.stop();
    await mirror.stop();
    const id = logIdOfPublisher(origin);
    expect(await expectKeptTilesGenuine(tilesState, id, tilesUrlOf(origin))).toBeGreaterThan(0);
    await expectKeptTilesGenuine(mirrorState, id, tilesUrlOf(origin));
    const store = await openMirror(mirrorState, origin);
    try {
      expect(store.size).toBe(size);
      await expectMirrorMatchesOrigin(store, origin, size);
    } finally {
      await store.close();
    }
  }, 60_000);
});

/** Sends `body` one byte every 200 ms. */
function drip(body: Buffer, res: http.ServerResponse): 'handled' {
  res.writeHead(200, { 'content-length': body.length });
  let at = 0;
  const timer = setInterval(() => {
    if (at < body.length) res.write(body.subarray(at, ++at));
    else res.end();
  }, 200);
  res.on('close', () => clearInterval(timer));
  return 'handled';
}

/** Sends 1 GiB of zeros, chunked (no length declared), as fast as the client reads it. */
function endless(res: http.ServerResponse): 'handled' {
  res.writeHead(200, { 'content-type': 'application/octet-stream' });
  const chunk = Buffer.alloc(1 << 20);
  let sent = 0;
  const more = () => {
    while (sent < 1024 && !res.destroyed) {
      sent++;
      if (!res.write(chunk)) return void res.once('drain', more);
    }
    res.end();
  };
  more();
  return 'handled';
}
