import { equalBytes } from '../crypto/equal-bytes.js';
import { sha256 } from '../crypto/sha256.js';
import { encodeLeaf, hashLeaf } from '../log/index.js';
import { mapPath } from '../map/index.js';

/**
 * The hashes that depend only on one key and on what a log claims for it (its value digest and
 * value), for verifying several logs' answers about that key: honest logs agree, so a decision
 * over five logs hashes the key's path, its log leaf and its value once instead of five times.
 * Each result is exactly what hashing gives: a claim that differs in any byte is hashed afresh.
 * Pure data; one instance per key and decision.
 */
export class KeyHashes {
  private pathHash: Buffer | undefined;
  private lastLeaf: { valueDigest: Buffer; hash: Buffer } | undefined;
  private lastValue: { value: Uint8Array; digest: Buffer } | undefined;

  constructor(readonly key: Uint8Array) {}

  /** The key's map path, SHA-256(key). */
  path(): Buffer {
    return (this.pathHash ??= mapPath(this.key));
  }

  /** The RFC 9162 leaf hash of the key's log entry with this value digest. */
  logLeafHash(valueDigest: Buffer): Buffer {
    const last = this.lastLeaf;
    if (last && equalBytes(last.valueDigest, valueDigest)) return last.hash;
    const hash = hashLeaf(encodeLeaf(this.key, valueDigest));
    this.lastLeaf = { valueDigest, hash };
    return hash;
  }

  /** SHA-256 of a value a log served for the key. */
  valueDigest(value: Uint8Array): Buffer {
    const last = this.lastValue;
    if (last && equalBytes(last.value, value)) return last.digest;
    const digest = sha256(value);
    this.lastValue = { value, digest };
    return digest;
  }
}
