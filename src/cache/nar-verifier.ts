import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import { VerificationError } from '../errors.js';
import { formatNarHash } from '../nix/nar-hash.js';

/**
 * Passes a NAR through while hashing it, and fails unless it is exactly `narSize` bytes with
 * SHA-256 `narHash` (raw digest). The last chunk is held back until the hash is checked, so a bad
 * NAR never reaches the client whole: with Content-Length set, the client sees a truncated body.
 */
export function narVerifier(narHash: Buffer, narSize: number): Transform {
  const hash = createHash('sha256');
  let seen = 0;
  let held: Buffer | undefined;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen > narSize) {
        callback(new VerificationError(`NAR is longer than the decided NarSize ${narSize}`));
        return;
      }
      hash.update(chunk);
      const previous = held;
      held = chunk;
      callback(null, previous);
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
      callback(null, held);
    },
  });
}
