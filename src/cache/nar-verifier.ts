import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import { VerificationError } from '../errors.js';
import { formatNarHash } from '../nix/nar-hash.js';

/**
 * Chunks are passed on in batches of at least this many bytes, pushed together in one turn:
 * sockets deliver 64 KiB reads, and one write per read cost the proxy more CPU (syscalls, loopback
 * TCP per call). Pushed as they are, not concatenated: copying every byte once more measured no
 * faster and feeds the garbage collector (BENCHMARKS.md, "Cache proxy vs nginx").
 */
const BATCH_BYTES = 512 * 1024;

/**
 * Passes a NAR through while hashing it, and fails unless it is exactly `narSize` bytes with
 * SHA-256 `narHash` (raw digest). The last chunk is held back until the hash is checked, so a bad
 * NAR never reaches the client whole: with Content-Length set, the client sees a truncated body.
 */
export function narVerifier(narHash: Buffer, narSize: number): Transform {
  const hash = createHash('sha256');
  let seen = 0;
  /** Not yet passed on; the newest of them is always held back. */
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen > narSize) {
        callback(new VerificationError(`NAR is longer than the decided NarSize ${narSize}`));
        return;
      }
      hash.update(chunk);
      if (pendingBytes >= BATCH_BYTES) {
        for (const held of pending) this.push(held);
        pending = [];
        pendingBytes = 0;
      }
      pending.push(chunk);
      pendingBytes += chunk.length;
      callback();
    },
    flush(callback) {
      if (seen !== narSize) {
        callback(new VerificationError(`NAR is ${seen} bytes, the decided NarSize is ${narSize}`));
        return;
      }
      const digest = hash.digest();
      if (!digest.equals(narHash)) {
        callback(
          new VerificationError(
            `NAR hashes to ${formatNarHash(digest)}, the decided NarHash is ${formatNarHash(narHash)}`,
          ),
        );
        return;
      }
      for (const held of pending) this.push(held);
      callback();
    },
  });
}
