import { encodeNixValue, hashPartOfKey } from '../../src/nix/index.js';
import { keyOf, type Publisher } from '../follower/cluster.js';

/** Helpers for r13y tests: real publishing daemons logging Nix outputs for a mirror to report on. */

/** A NarHash ending in `c`, so that outputs differ by one character. */
export const narHash = (c: string) => `sha256:${'1'.repeat(51)}${c}`;

/** What `p` logs for path `label`: a Nix output named `name` whose NarHash ends in `c`; its hash part. */
export async function logOutput(p: Publisher, label: string, name: string, c: string): Promise<string> {
  const key = keyOf(label);
  const value = encodeNixValue({
    storePath: `/nix/store/${hashPartOfKey(key)}-${name}`,
    narHash: narHash(c),
    narSize: 100,
    references: [],
  });
  await p.daemon.adminClient().submit({ logId: '', entries: [{ key, value }] });
  return hashPartOfKey(key);
}
