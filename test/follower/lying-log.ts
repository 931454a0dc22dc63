import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { signCheckpoint } from '../../src/checkpoint/checkpoint.js';
import { defaultOrigin, logIdOf } from '../../src/checkpoint/log-id.js';
import { formatPublicKey, generateSecretKey, publicKeyOf } from '../../src/crypto/ed25519-keys.js';
import { sha256 } from '../../src/crypto/sha256.js';
import { appendLeaves, encodeLeaf, hashLeaf, rootOfFrontier } from '../../src/log/index.js';
import { mapInsertBatch, type MapNodeSource } from '../../src/map/index.js';
import {
  ENTRY_BUNDLE,
  TILE_WIDTH,
  VALUE_BUNDLE,
  encodeBundle,
  entryBundlePath,
  tileBytesFromLeafHashes,
  tilePath,
  valueBundlePath,
} from '../../src/tiles/index.js';

/**
 * A deliberately corrupt publisher, built here and never in src/: a static tlog-tiles log whose
 * tree, bundles and signature are all right, but whose signed map root is computed from entries
 * other than the ones it serves (`lie` changes what the map is built from). A real HTTP server.
 */
export interface LyingLog {
  url: string;
  /** The log key, Nix key-file format. */
  publicKey: string;
  logId: string;
  close(): Promise<void>;
}

export interface Lie {
  /** The entry whose value digest the signed map records wrongly. */
  wrongDigestAt?: number;
  /** Serve entry `at` again with the key of entry `of` (a key twice), and build the map without it. */
  repeatKey?: { at: number; of: number };
}

export async function startLyingLog(size: number, lie: Lie): Promise<LyingLog> {
  const secret = generateSecretKey('liar');
  const publicKey = publicKeyOf(secret);
  const logId = logIdOf(publicKey);
  const entries = Array.from({ length: size }, (_, i) => ({
    key: sha256(Buffer.from(`lying key ${i}`)).subarray(0, 20),
    value: Buffer.from(`lying value ${i}`),
  }));
  if (lie.repeatKey) entries[lie.repeatKey.at]!.key = entries[lie.repeatKey.of]!.key;
  const leaves = entries.map((e) => encodeLeaf(e.key, sha256(e.value)));
  const leafHashes = leaves.map(hashLeaf);
  const tiles = tileBytesFromLeafHashes(leafHashes);
  // The map the publisher signs: honest but for the lie.
  const records = new Map<string, Buffer>();
  const source: MapNodeSource = { get: (k) => records.get(k.toString('latin1')) };
  const inserts = entries
    .map((e, i) => ({
      key: e.key,
      logIndex: i,
      valueDigest: i === lie.wrongDigestAt ? sha256(Buffer.from('not this value')) : sha256(e.value),
    }))
    .filter((_, i) => i !== lie.repeatKey?.at);
  const { root: mapRoot } = mapInsertBatch(source, inserts);
  const logRoot = rootOfFrontier(appendLeaves({ size: 0, hashes: [] }, leafHashes).frontier);
  const note = signCheckpoint({ origin: defaultOrigin(logId), size, logRoot, mapRoot }, secret);

  const files = new Map<string, Buffer>([['checkpoint', Buffer.from(note)]]);
  for (const [key, bytes] of tiles) {
    const [level, index, width] = key.split('/').map(Number) as [number, number, number];
    files.set(tilePath({ level, index, width }), bytes);
  }
  for (let n = 0; n * TILE_WIDTH < size; n++) {
    const part = (items: Buffer[]) => items.slice(n * TILE_WIDTH, (n + 1) * TILE_WIDTH);
    const width = part(leaves).length;
    files.set(entryBundlePath(n, width), encodeBundle(ENTRY_BUNDLE, part(leaves)));
    files.set(valueBundlePath(n, width), encodeBundle(VALUE_BUNDLE, part(entries.map((e) => e.value))));
  }
  const prefix = `/logs/${logId}/`;
  const server = http.createServer((req, res) => {
    const body = req.url!.startsWith(prefix) ? files.get(req.url!.slice(prefix.length)) : undefined;
    res.writeHead(body ? 200 : 404);
    res.end(body ?? 'not found\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${prefix}`,
    publicKey: formatPublicKey(publicKey),
    logId,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
