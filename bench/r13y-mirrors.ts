import fs from 'node:fs';
import path from 'node:path';
import { signCheckpoint } from '../src/checkpoint/checkpoint.js';
import { defaultOrigin, logIdOf } from '../src/checkpoint/log-id.js';
import { formatPublicKey, generateSecretKey, publicKeyOf } from '../src/crypto/ed25519-keys.js';
import { sha256 } from '../src/crypto/sha256.js';
import { encodeLeaf, hashLeaf } from '../src/log/index.js';
import { encodeNixValue, hashPartOfKey, STORE_PATH_KEY_BYTES } from '../src/nix/index.js';
import { MirrorStore } from '../src/store/mirror-store.js';

/*
 * Writes the mirrors bench:r13y builds its report from (`node dist/bench/r13y-mirrors.js DIR N`):
 * three logs of the same N store paths, stored through MirrorStore as a follower with
 * mirror = true stores them, with a signed checkpoint every 10,000 entries. The third log logs a
 * different NarHash for 1 path in 100, over 5,000 package names; the first holds 10,000 more
 * paths, for the bench's update. The bench runs this in a process of its own so that its timing
 * and RSS are the report's alone. DIR/mirrors.json lists the logs (BenchMirror).
 */
export interface BenchMirror {
  dir: string;
  logId: string;
  origin: string;
  publicKey: string;
  entries: number;
}

const [dir, entriesArg] = process.argv.slice(2);
if (dir === undefined || entriesArg === undefined) throw new Error('usage: r13y-mirrors.js DIR ENTRIES');
const N = Number(entriesArg);
const UPDATE = 10_000;
const PACKAGES = 5_000;
const CHECKPOINT_EVERY = 10_000;
const MAP_ROOT = Buffer.alloc(32); // the report does not read map roots; no audit runs here

const keyOf = (i: number) => sha256(Buffer.from(`path ${i}`)).subarray(0, STORE_PATH_KEY_BYTES);
const baseNameOf = (i: number) => `${hashPartOfKey(keyOf(i))}-pkg${i % PACKAGES}-1.${i % 7}`;

/** Entry `i` of log `logIndex`: a Nix output with two references, as builders log them. */
function entryOf(logIndex: number, i: number): { leaf: Buffer; value: Buffer } {
  const lying = logIndex === 2 && i % 100 === 0;
  const value = encodeNixValue({
    storePath: `/nix/store/${baseNameOf(i)}`,
    narHash: `sha256:${'0'.repeat(20)}${hashPartOfKey(sha256(Buffer.from(`nar ${i} ${lying}`)).subarray(0, 20))}`,
    narSize: 1000 + (i % 1000),
    references: [baseNameOf(i + 1), baseNameOf(i + 2)],
  });
  return { leaf: encodeLeaf(keyOf(i), sha256(value)), value };
}

fs.rmSync(dir, { recursive: true, force: true });
fs.mkdirSync(dir, { recursive: true });
const logs: BenchMirror[] = [];
for (let l = 0; l < 3; l++) {
  const key = generateSecretKey(`builder-${l + 1}`);
  const publicKey = publicKeyOf(key);
  const logId = logIdOf(publicKey);
  const origin = defaultOrigin(logId);
  const entries = l === 0 ? N + UPDATE : N;
  const mirror = {
    dir: path.join(dir, `log-${l}`),
    logId,
    origin,
    publicKey: formatPublicKey(publicKey),
    entries,
  };
  const store = await MirrorStore.open(mirror.dir, publicKey, origin);
  for (let at = 0; at < entries;) {
    const end = Math.min(entries, at + CHECKPOINT_EVERY);
    const batch = [];
    for (let i = at; i < end; i++) batch.push(entryOf(l, i));
    await store.append({
      leaves: batch.map((e) => e.leaf),
      leafHashes: batch.map((e) => hashLeaf(e.leaf)),
      values: batch.map((e) => e.value),
    });
    const checkpoint = { origin, size: end, logRoot: store.rootAt(end), mapRoot: MAP_ROOT };
    await store.complete({ checkpoint, note: signCheckpoint(checkpoint, key) });
    at = end;
  }
  await store.close();
  logs.push(mirror);
  console.log(`mirror ${l + 1}: ${entries} entries`);
}
fs.writeFileSync(path.join(dir, 'mirrors.json'), JSON.stringify({ entries: N, logs }));
