import { TallyError } from '../errors.js';
import { PATH_BITS, pathBit } from './path.js';
import { positionKey } from './position.js';
import { decodeRecord, nodeRecordChild } from './record.js';
import type { MapLeaf, MapNodeSource } from './types.js';

/** The result of walking from the root along a path until the walk reaches a leaf or an empty subtree. */
export interface MapWalk {
  /** Depth of the terminal position. */
  depth: number;
  /** siblings[i] = hash of the sibling at depth i+1 (possibly the empty hash). */
  siblings: Buffer[];
  /** The leaf at the terminal, or null when the terminal is empty. Its path may differ from `path`. */
  leaf: MapLeaf | null;
}

/** One read per level: each internal record names both children, so the walk never reads twice. */
export function walkToTerminal(source: MapNodeSource, path: Buffer): MapWalk {
  const siblings: Buffer[] = [];
  for (let depth = 0; depth <= PATH_BITS; depth++) {
    const bytes = source.get(positionKey(depth, path));
    if (bytes === undefined) return { depth, siblings, leaf: null };
    // The sibling is the child the path does not take (at depth 256 there is none to take).
    const sibling = depth < PATH_BITS ? nodeRecordChild(bytes, pathBit(path, depth) === 0) : undefined;
    if (sibling !== undefined) {
      siblings.push(sibling);
      continue;
    }
    const record = decodeRecord(bytes);
    if (record.kind === 'leaf') return { depth, siblings, leaf: record.leaf };
    break;
  }
  throw new TallyError('INTERNAL', 'corrupt map: internal node at depth 256');
}
