import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DaemonProcess } from '../helpers/daemon.js';
import { tempDir } from '../helpers/tmp.js';
import { keyOf, startPublisher, type Publisher } from './cluster.js';
import { pollUntil } from '../helpers/poll.js';
import { startTilesProxy, type TilesProxy } from './tiles-proxy.js';
import {
  digestOfValue,
  expectMirrorMatchesOrigin,
  fill,
  headReaches,
  logIdOfPublisher,
  logRow,
  openMirror,
  startMirror,
  storedEntries,
  tilesUrlOf,
  valueOf,
  trusting,
  type MirrorEntry,
} from './mirror-cluster.js';

/** A mirror following a real publishing daemon over its tiles, through a real HTTP proxy. */
describe('mirror catch-up', () => {
  const root = tempDir('tally-mirror-');
  const SIZE = 3000;
  let origin: Publisher;
  let proxy: TilesProxy;
  let mirror: DaemonProcess | undefined;
  let entry: MirrorEntry;
  const stateDir = path.join(root, 'mirror');

  beforeAll(async () => {
    origin = await startPublisher(root, 'origin');
    await fill(origin, SIZE);
    proxy = await startTilesProxy(tilesUrlOf(origin));
    entry = { name: 'origin', publicKey: origin.publicKey, url: proxy.url };
  }, 60_000);
  afterAll(async () => {
    await mirror?.stop();
    await origin.daemon.stop();
    await proxy.close();
  });

  it('a SIGKILL in the middle of a bundle download resumes, and ends byte-identical to the origin', async () => {
    // Entry bundle 9 is sent half, then hangs: the mirror is killed while it waits for it, once
    // the bundles before it are stored (bundles are stored in windows of 4, in order).
    let hung = false;
    proxy.tamper = (p, body, res) => {
      if (p !== 'tile/entries/009') return undefined;
      hung = true;
      res.writeHead(200, { 'content-length': body.length });
      res.write(body.subarray(0, body.length >> 1));
      return 'handled';
    };
    mirror = await startMirror(stateDir, [entry], trusting('origin'));
    await pollUntil('the hung bundle to be asked for', () => hung);
    await pollUntil('bundles 0-7 to be stored', async () => (await storedEntries(mirror!, 'origin')) >= 2048);
    await mirror.kill();
    proxy.tamper = undefined;
    proxy.requested.length = 0;

    mirror = await startMirror(stateDir, [entry], trusting('origin'));
    await headReaches(mirror, 'origin', SIZE);
    // Resumed: the bundles stored before the kill were not fetched again.
    expect(proxy.requested).not.toContain('tile/entries/000');
    expect(proxy.requested).toContain('tile/entries/009');
    await mirror.stop();
    mirror = undefined;

    const store = await openMirror(stateDir, origin);
    try {
      expect(store.size).toBe(SIZE);
      expect(store.getHead().note).toBe(await (await fetch(tilesUrlOf(origin) + 'checkpoint')).text());
      await expectMirrorMatchesOrigin(store, origin, SIZE);
      // The API a reproducibility report reads: each entry with its first checkpoint, and its value.
      const records = [];
      for await (const record of store.records(SIZE - 2)) records.push(record);
      const values = await store.values(records.map((r) => r.valueDigest));
      expect(records.map((r, i) => [r.index, values[i]!.toString(), r.firstCheckpointSize])).toEqual([
        [SIZE - 2, valueOf(SIZE - 2), SIZE],
        [SIZE - 1, valueOf(SIZE - 1), SIZE],
      ]);
    } finally {
      await store.close();
    }
  }, 90_000);

  it('follows the head, and keeps deciding from the mirror when the origin is offline', async () => {
    mirror = await startMirror(stateDir, [entry], trusting('origin'));
    await fill(origin, SIZE + 300, SIZE);
    await headReaches(mirror, 'origin', SIZE + 300);
    const decide = (i: number) =>
      mirror!.adminClient().decide({ key: keyOf(`entry ${i}`), bypassCache: true });
    const before = await decide(SIZE + 10);
    expect([before.decided, before.digest.toString('hex'), before.value.toString()]).toEqual([
      true,
      digestOfValue(SIZE + 10),
      valueOf(SIZE + 10),
    ]);
    expect(before.agreeing[0]!.detail).toMatch(
      /^entry 3010 at size 3300 \(mirrored checkpoint of size 3300, \d+ s old\)$/,
    );

    await origin.daemon.stop();
    await pollUntil(
      'the origin to be unreachable',
      async () => (await logRow(mirror!, 'origin')).state === 'unreachable',
    );
    const offline = await decide(7);
    expect([offline.decided, offline.digest.toString('hex')]).toEqual([true, digestOfValue(7)]);
    expect(offline.agreeing[0]!.detail).toMatch(/mirrored checkpoint of size 3300/);
    const unknown = await mirror.adminClient().decide({ key: keyOf('never published'), bypassCache: true });
    expect(unknown.decided).toBe(false);
    expect(unknown.absent[0]!.detail).toMatch(/^absent at size 3300/);
  }, 90_000);

  it("another node follows the mirror's own tiles with the origin's key, and decides the same", async () => {
    const served = `http://${mirror!.http}/logs/${logIdOfPublisher(origin)}/`;
    // Byte for byte as the origin served it (the origin is offline now: compare with the copy).
    const checkpoint = await fetch(served + 'checkpoint');
    expect(checkpoint.status).toBe(200);
    const second = await startMirror(
      path.join(root, 'second'),
      [{ ...entry, url: served }],
      trusting('origin'),
    );
    try {
      await headReaches(second, 'origin', SIZE + 300);
      for (const i of [0, 255, 256, SIZE + 299]) {
        const [a, b] = await Promise.all(
          [mirror!, second].map((node) =>
            node.adminClient().decide({ key: keyOf(`entry ${i}`), bypassCache: true }),
          ),
        );
        expect([b!.decided, b!.digest.toString('hex')]).toEqual([a!.decided, a!.digest.toString('hex')]);
        expect(b!.digest.toString('hex')).toBe(digestOfValue(i));
      }
      const lookup = await fetch(served + 'tally/lookup?key=00');
      expect(lookup.status).toBe(400); // not a tiles resource: a mirror answers no per-key queries
    } finally {
      await second.stop();
    }
  }, 90_000);
});
