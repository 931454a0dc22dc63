import { packHashes } from '../crypto/hash-list.js';
import { isEmptyHash } from './hash.js';
import { mapPath } from './path.js';
import { bitmapLength } from './proof-shape.js';
import type { MapNodeSource, MapProof } from './types.js';
import { walkToTerminal } from './walk.js';

/**
 * A membership proof when `key` is present, otherwise a non-membership proof (the terminal is
 * empty or holds another key's leaf). Copies out of the source so the proof owns its bytes.
 */
export function buildMapProof(source: MapNodeSource, key: Uint8Array): MapProof {
  return buildMapProofAt(source, mapPath(key));
}

/** buildMapProof for a key whose path (SHA-256 of the key) the caller already has. */
export function buildMapProofAt(source: MapNodeSource, path: Buffer): MapProof {
  const walk = walkToTerminal(source, path);
  const emptyBitmap = Buffer.alloc(bitmapLength(walk.depth));
  const nonEmpty: Buffer[] = [];
  walk.siblings.forEach((sibling, i) => {
    if (isEmptyHash(sibling)) emptyBitmap[i >> 3] = emptyBitmap[i >> 3]! | (0x80 >> (i & 7));
    else nonEmpty.push(sibling);
  });
  const siblings = packHashes(nonEmpty);
  const leaf =
    walk.leaf === null
      ? null
      : {
          path: Buffer.from(walk.leaf.path),
          logIndex: walk.leaf.logIndex,
          valueDigest: Buffer.from(walk.leaf.valueDigest),
        };
  return { depth: walk.depth, emptyBitmap, siblings, leaf };
}
