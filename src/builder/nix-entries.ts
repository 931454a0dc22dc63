import type { Entry } from '../entry/entry.js';
import { encodeNixValue, storePathKey, type NixOutput } from '../nix/index.js';

/**
 * The entry a builder logs for a Nix output: key = the 20 bytes of its store-path hash (exactly
 * what the cache proxy looks up for `GET /<hash>.narinfo`), value = the canonical value.
 */
export function nixEntry(output: NixOutput, storeDir: string): Entry {
  return {
    key: storePathKey(output.storePath, storeDir),
    value: encodeNixValue(output, { storeDir }),
  };
}

/** Splits `items` into consecutive batches of at most `size`. */
export function inBatches<T>(items: T[], size: number): T[][] {
  const batches: T[][] = [];
  for (let i = 0; i < items.length; i += size) batches.push(items.slice(i, i + size));
  return batches;
}
