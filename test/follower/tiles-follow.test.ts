import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DaemonProcess } from '../helpers/daemon.js';
import { startNginx, type NginxProcess } from '../helpers/nginx.js';
import { pollUntil } from '../helpers/poll.js';
import { repoRoot } from '../helpers/tmp.js';
import { keyOf, testCluster, type Publisher } from './cluster.js';
import {
  digestOfValue,
  fill,
  headReaches,
  logIdOfPublisher,
  logRow,
  startMirror,
  tilesUrlOf,
  trusting,
  valueOf,
} from './mirror-cluster.js';
import { startTilesProxy, type TilesProxy } from './tiles-proxy.js';
import { expectKeptTilesGenuine, startTilesFollower, type TilesFollow } from './tiles-cluster.js';

/**
 * One log followed over tlog-tiles (`[[follow]] url`, not mirrored) three ways: over its own
 * daemon's tiles (through a counting proxy) with lookups at its HTTP lookup endpoint, through a
 * static copy behind a real nginx, and through another node's mirror (lookups over gRPC for
 * those two: a static copy answers none). All three decide alike, and tiles are fetched for new
 * checkpoints only, each at most once.
 */
describe('following a log over its tiles', () => {
  const cluster = testCluster('tally-tiles-follow-');
  const root = cluster.root;
  const www = path.join(root, 'www');
  let origin: Publisher;
  let nginx: NginxProcess;
  let mirrorNode: DaemonProcess;
  let proxy: TilesProxy;
  const followers: Record<'own' | 'nginx' | 'mirror', DaemonProcess | undefined> = {
    own: undefined,
    nginx: undefined,
    mirror: undefined,
  };
  let follows: Record<keyof typeof followers, TilesFollow>;
  const stateOf = (name: keyof typeof followers) => path.join(root, `follower-${name}`);

  beforeAll(async () => {
    origin = await cluster.publisher('origin', {
      extraConfig: `[publish.static]\ndir = ${JSON.stringify(www)}\n`,
    });
    await fill(origin, 700);
    nginx = await startNginx(www, `include ${path.join(repoRoot, 'docs/nginx-tally-log.conf')};`);
    mirrorNode = await startMirror(
      path.join(root, 'mirror-node'),
      [{ name: 'origin', publicKey: origin.publicKey, url: tilesUrlOf(origin) }],
      trusting('origin'),
    );
    await headReaches(mirrorNode, 'origin', 700, 60_000);
    proxy = await startTilesProxy(tilesUrlOf(origin));
    const id = logIdOfPublisher(origin);
    const log = { name: 'origin', publicKey: origin.publicKey };
    follows = {
      own: { ...log, url: proxy.url },
      nginx: { ...log, url: `${nginx.url}/logs/${id}/`, address: origin.address },
      mirror: { ...log, url: `http://${mirrorNode.http}/logs/${id}/`, address: origin.address },
    };
    for (const name of ['own', 'nginx', 'mirror'] as const) {
      followers[name] = await startTilesFollower(stateOf(name), [follows[name]], trusting('origin'));
    }
  }, 120_000);
  afterAll(async () => {
    for (const f of Object.values(followers)) await f?.stop();
    await mirrorNode?.stop();
    await nginx?.stop();
    await proxy?.close();
  });

  const all = () => Object.values(followers) as DaemonProcess[];
  const headsReach = (size: number) =>
    Promise.all(
      all().map((node) =>
        pollUntil(`a follower at size ${size}`, async () => {
          const row = await logRow(node, 'origin');
          return row.state === 'healthy' && row.headSize === size;
        }),
      ),
    );
  /** What each follower decides about `label`, in the terms that must agree. */
  const decisions = (label: string) =>
    Promise.all(
      all().map(async (node) => {
        const d = await node.adminClient().decide({ key: keyOf(label), bypassCache: true });
        return {
          decided: d.decided,
          digest: d.digest.toString('hex'),
          value: d.value.toString(),
          agreeing: d.agreeing.map((v) => v.name),
          absent: d.absent.map((v) => v.name),
          unavailable: d.unavailable.map((v) => `${v.name}: ${v.detail}`),
        };
      }),
    );
  const tileRequests = () => proxy.requested.filter((p) => p.startsWith('tile/'));

  it('all three give the same decisions, each checked against the signed checkpoint', async () => {
    await headsReach(700);
    for (const i of [0, 255, 256, 699]) {
      const [own, ...others] = await decisions(`entry ${i}`);
      expect(own).toEqual({
        decided: true,
        digest: digestOfValue(i),
        value: valueOf(i),
        agreeing: ['origin'],
        absent: [],
        unavailable: [],
      });
      for (const other of others) expect(other).toEqual(own);
    }
    const [own, ...others] = await decisions('never published');
    expect([own!.decided, own!.absent]).toEqual([false, ['origin']]);
    for (const other of others) expect(other).toEqual(own);
    // The own-tiles follower looked its keys up at the log's HTTP lookup endpoint.
    expect(proxy.requested.some((p) => p.startsWith('tally/lookup?key='))).toBe(true);
  }, 60_000);

  it('a grown log is followed the same way, and decisions fetch no tiles', async () => {
    await fill(origin, 1000, 700);
    await headsReach(1000);
    const tilesBefore = tileRequests().length;
    expect(tilesBefore).toBeGreaterThan(0); // the consistency proof 700 -> 1000 came from tiles
    for (const i of [700, 999, 3]) {
      const [own, ...others] = await decisions(`entry ${i}`);
      expect([own!.decided, own!.digest]).toEqual([true, digestOfValue(i)]);
      for (const other of others) expect(other).toEqual(own);
    }
    expect(tileRequests().length).toBe(tilesBefore);
  }, 60_000);

  it('keeps verified tiles across checkpoints and restarts: none fetched twice, all genuine', async () => {
    await followers.own!.stop();
    const kept = await expectKeptTilesGenuine(stateOf('own'), logIdOfPublisher(origin), tilesUrlOf(origin));
    expect(kept).toBeGreaterThan(0);
    followers.own = await startTilesFollower(stateOf('own'), [follows.own], trusting('origin'));
    let size = 1000;
    for (const more of [1300, 1301, 1800]) {
      await fill(origin, more, size);
      await headsReach((size = more));
    }
    const [own, ...others] = await decisions('entry 1799');
    expect([own!.decided, own!.digest]).toEqual([true, digestOfValue(1799)]);
    for (const other of others) expect(other).toEqual(own);
    const requested = tileRequests();
    expect(new Set(requested).size, requested.join(' ')).toBe(requested.length);
    await followers.own!.stop();
    await expectKeptTilesGenuine(stateOf('own'), logIdOfPublisher(origin), tilesUrlOf(origin));
  }, 120_000);
});
