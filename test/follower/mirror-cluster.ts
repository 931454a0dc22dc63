import { sha256 } from '../../src/crypto/sha256.js';
import { parsePublicKey } from '../../src/crypto/ed25519-keys.js';
import { logIdOf } from '../../src/checkpoint/log-id.js';
import { defaultOrigin } from '../../src/checkpoint/log-id.js';
import { MirrorStore } from '../../src/store/mirror-store.js';
import { startDaemonProcess, testConfig, type DaemonProcess } from '../helpers/daemon.js';
import { keyOf, type Publisher } from './cluster.js';
import { pollUntil } from '../helpers/poll.js';
import { expect } from 'vitest';
import { tilesOfTree, logResourcePath, type LogResource } from '../../src/tiles/index.js';

/** Helpers for mirror tests: filling a log, following it as a mirror, reading a stopped mirror. */

/** The value of entry `i` of a filled log. */
export const valueOf = (i: number): string => `output ${i} ${'x'.repeat(i % 50)}`;

/** Submits entries 0..count-1 (keys `entry <i>`) in calls of 1,000. */
export async function fill(p: Publisher, count: number, from = 0): Promise<void> {
  const admin = p.daemon.adminClient();
  for (let start = from; start < count; start += 1000) {
    const entries = [];
    for (let i = start; i < Math.min(count, start + 1000); i++) {
      entries.push({ key: keyOf(`entry ${i}`), value: Buffer.from(valueOf(i)) });
    }
    await admin.submit({ logId: '', entries });
  }
}

export const logIdOfPublisher = (p: Publisher): string => logIdOf(parsePublicKey(p.publicKey), 'nix');

/** The origin's tiles prefix. */
export const tilesUrlOf = (p: Publisher): string => `http://${p.daemon.http}/logs/${logIdOfPublisher(p)}/`;

export interface MirrorEntry {
  name: string;
  publicKey: string;
  url: string;
  extra?: string;
}

/** A policy that decides on log `name` alone. */
export const trusting = (name: string): string =>
  `[[policy]]\nname = "trust-${name}"\nfile = "builtin:name-match"\n[policy.params]\nname = "${name}"\n`;

export function mirrorConfig(logs: MirrorEntry[], extra = ''): string {
  const follows = logs
    .map(
      (l) =>
        `[[follow]]\nname = "${l.name}"\npublic_key = "${l.publicKey}"\nurl = "${l.url}"\nmirror = true\n` +
        `poll_interval_seconds = 1\nrequest_timeout_ms = 1500\n${l.extra ?? ''}`,
    )
    .join('');
  // Metrics on a listener of their own: tests read a catch-up's progress there.
  return testConfig(
    `metrics_listen = "127.0.0.1:0"\n[publish]\nenabled = false\n[decide]\ncache_ttl_seconds = 0\n${extra}\n${follows}`,
  );
}

export function startMirror(stateDir: string, logs: MirrorEntry[], extra = ''): Promise<DaemonProcess> {
  return startDaemonProcess({ stateDir, config: mirrorConfig(logs, extra) });
}

/** The ListLogs row of `name` on `node`. */
export async function logRow(node: DaemonProcess, name: string) {
  return (await node.publicClient().listLogs({})).logs.find((l) => l.name === name)!;
}

/** Entries of log `name` that `node` has stored in its mirror so far (its metrics). */
export async function storedEntries(node: DaemonProcess, name: string): Promise<number> {
  const text = await (await fetch(`http://${node.metrics}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`tally_mirror_stored_entries{log="${name}"}`));
  return Number(line?.split(' ')[1] ?? 0);
}

/** Waits until `node` reports log `name` at head size `size`. */
export function headReaches(node: DaemonProcess, name: string, size: number, timeoutMs = 30_000) {
  return pollUntil(
    `${name} mirrored up to size ${size}`,
    async () => {
      const row = await logRow(node, name);
      return (row.mirroredSize ?? 0) >= size && row.state === 'healthy' ? row : undefined;
    },
    { timeoutMs },
  );
}

/** Opens the mirror of `p` in a stopped node's state directory (real LevelDB). */
export function openMirror(stateDir: string, p: Publisher): Promise<MirrorStore> {
  const id = logIdOfPublisher(p);
  return MirrorStore.open(`${stateDir}/mirrors/${id}`, parsePublicKey(p.publicKey), defaultOrigin(id));
}

export const digestOfValue = (i: number): string => sha256(Buffer.from(valueOf(i))).toString('hex');

/** Every resource of the tree of `size` the origin serves, by path. */
function resourcesOf(size: number): LogResource[] {
  const tiles = tilesOfTree(size);
  return [
    ...tiles.map((tile): LogResource => ({ kind: 'tile', tile })),
    ...tiles
      .filter((t) => t.level === 0)
      .flatMap((tile): LogResource[] => [
        { kind: 'entries', tile },
        { kind: 'values', tile },
      ]),
  ];
}

async function originBytes(p: Publisher, resource: LogResource): Promise<Buffer> {
  const answer = await fetch(tilesUrlOf(p) + logResourcePath(resource));
  expect(answer.status).toBe(200);
  return Buffer.from(await answer.arrayBuffer());
}

/** Expects a mirror's store to hold every resource of the origin's tree of `size`, byte for byte. */
export async function expectMirrorMatchesOrigin(
  store: MirrorStore,
  origin: Publisher,
  size: number,
): Promise<void> {
  for (const resource of resourcesOf(size)) {
    const { tile } = resource as { tile: { level: number; index: number; width: number } };
    const mine =
      resource.kind === 'tile'
        ? store.getTile(tile)
        : resource.kind === 'entries'
          ? store.getEntryBundle(tile.index, tile.width)
          : Buffer.concat(
              store.getBundleValues(tile.index, tile.width)!.map((v) => {
                const prefix = Buffer.alloc(4);
                prefix.writeUInt32BE(v.length);
                return Buffer.concat([prefix, v]);
              }),
            );
    expect(mine?.equals(await originBytes(origin, resource)), logResourcePath(resource)).toBe(true);
  }
}
