import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyCheckpoint } from '../../src/checkpoint/checkpoint.js';
import { generateSecretKey, parsePublicKey, writeKeyPair } from '../../src/crypto/ed25519-keys.js';
import type { DaemonProcess } from '../helpers/daemon.js';
import { pollUntil } from '../helpers/poll.js';
import { keyOf, names, publish, testCluster, type Publisher } from './cluster.js';
import { logIdOfPublisher, logRow, tilesUrlOf } from './mirror-cluster.js';
import { startTilesProxy, type TilesProxy } from './tiles-proxy.js';
import { startTilesFollower, type TilesFollow } from './tiles-cluster.js';

type Name = 'rolled' | 'forked' | 'grown';

/**
 * A rollback, a fork at the same size and a fork that grew past the followed head, each seen
 * through the log's tiles (a proxy that the test points at another daemon signing with the same
 * key), by a node following over tiles and by a mirror: each is detected, with evidence holding
 * both signed checkpoints, and the log stops agreeing.
 */
describe('rollback and fork seen through tiles', () => {
  const cluster = testCluster('tally-tiles-fork-');
  const root = cluster.root;
  const keyFile = (name: Name) => path.join(root, 'keys', `${name}.secret`);
  const proxies = {} as Record<Name, TilesProxy>;
  const first = {} as Record<Name, Publisher>;
  let tiles: DaemonProcess;
  let mirror: DaemonProcess;

  /** A daemon signing as `name`'s log, state in `<root>/<dir>`. */
  const signer = (name: Name, dir: string) =>
    cluster.publisher(name, { stateDir: path.join(root, dir), keyFile: keyFile(name) });

  beforeAll(async () => {
    for (const name of ['rolled', 'forked', 'grown'] as const) {
      writeKeyPair(path.dirname(keyFile(name)), generateSecretKey(name));
      first[name] = await signer(name, `${name}-1`);
      await publish(first[name], 'a', 'output a');
      proxies[name] = await startTilesProxy(tilesUrlOf(first[name]));
    }
    // The rolled log is copied at size 1, then grows to 3.
    await first.rolled.daemon.stop();
    fs.cpSync(first.rolled.daemon.stateDir, path.join(root, 'rolled-backup'), { recursive: true });
    first.rolled = await signer('rolled', 'rolled-1');
    proxies.rolled.origin = tilesUrlOf(first.rolled);
    await publish(first.rolled, 'b', 'output b');
    await publish(first.rolled, 'c', 'output c');

    const follows = (mirrored: boolean): TilesFollow[] =>
      (['rolled', 'forked', 'grown'] as const).map((name) => ({
        name,
        publicKey: first[name].publicKey,
        url: proxies[name].url,
        mirror: mirrored,
      }));
    const policy =
      '[[policy]]\nname = "all"\nfile = "builtin:percentage"\n[policy.params]\nthreshold = 100\n';
    tiles = await startTilesFollower(path.join(root, 'tiles'), follows(false), policy);
    mirror = await startTilesFollower(path.join(root, 'mirror'), follows(true), policy);
    for (const [name, size] of [
      ['rolled', 3],
      ['forked', 1],
      ['grown', 1],
    ] as const) {
      for (const node of [tiles, mirror]) {
        await pollUntil(`${name} healthy at ${size}`, async () => {
          const row = await logRow(node, name);
          return (
            row.state === 'healthy' && row.headSize === size && (node === tiles || row.mirroredSize === size)
          );
        });
      }
    }
  }, 120_000);
  afterAll(async () => {
    for (const proxy of Object.values(proxies)) await proxy.close();
  });

  /** The one evidence record both nodes stored against `name`, checked to hold two signed checkpoints. */
  async function evidenceOf(name: Name, kind: string, sizes: [number, number]) {
    const key = parsePublicKey(first[name].publicKey);
    for (const node of [tiles, mirror]) {
      const evidence = await pollUntil(`evidence against ${name}`, async () => {
        const found = (await node.adminClient().getEvidence({ logId: logIdOfPublisher(first[name]) }))
          .evidence;
        return found.length > 0 ? found : undefined;
      });
      expect(evidence.map((e) => e.kind)).toEqual([kind]);
      const [older, newer] = [evidence[0]!.oldCheckpoint, evidence[0]!.newCheckpoint].map((note) =>
        verifyCheckpoint(note, key),
      );
      expect([older!.size, newer!.size]).toEqual(sizes);
      expect(older!.logRoot.equals(newer!.logRoot)).toBe(false);
      const row = await logRow(node, name);
      expect([row.state, row.headSize]).toEqual(['compromised', sizes[0]]);
    }
  }

  it('a log restored from an older copy is a rollback', async () => {
    await first.rolled.daemon.stop();
    fs.cpSync(path.join(root, 'rolled-backup'), path.join(root, 'rolled-2'), { recursive: true });
    proxies.rolled.origin = tilesUrlOf(await signer('rolled', 'rolled-2'));
    await evidenceOf('rolled', 'rollback', [3, 1]);
  }, 60_000);

  it('another tree at the same size is a fork', async () => {
    const fork = await signer('forked', 'forked-2');
    await publish(fork, 'a', 'output a, forked');
    proxies.forked.origin = tilesUrlOf(fork);
    await evidenceOf('forked', 'fork', [1, 1]);
  }, 60_000);

  it('a fork grown past the followed head fails its consistency proof from tiles', async () => {
    const fork = await signer('grown', 'grown-2');
    for (const label of ['x', 'y', 'z']) await publish(fork, label, `output ${label}`);
    proxies.grown.origin = tilesUrlOf(fork);
    await evidenceOf('grown', 'inconsistent', [1, 3]);
  }, 60_000);

  it('a compromised log no longer agrees', async () => {
    for (const node of [tiles, mirror]) {
      const d = await node.adminClient().decide({ key: keyOf('a'), bypassCache: true });
      expect(d.decided).toBe(false);
      expect(names(d.compromised)).toEqual(['forked', 'grown', 'rolled']);
      expect(d.agreeing).toEqual([]);
    }
  });
});
