// Shared per-key hashes must give exactly what hashing gives, whatever order logs' claims come in.
import { describe, expect, it } from 'vitest';
import { sha256 } from '../../src/crypto/sha256.js';
import { InvalidArgumentError } from '../../src/errors.js';
import { encodeLeaf, hashLeaf } from '../../src/log/index.js';
import { mapPath } from '../../src/map/index.js';
import { KeyHashes } from '../../src/verify/key-hashes.js';
import { verifyLookupAgainst } from '../../src/verify/lookup-chain.js';
import { seededRandom } from '../map/support.js';

const random = seededRandom(77);

describe('KeyHashes', () => {
  it('answers every claim with the hash of that claim, repeated or not', () => {
    const key = random.bytes(20);
    const hashes = new KeyHashes(key);
    expect(hashes.path()).toEqual(mapPath(key));
    const digests = [random.bytes(32), random.bytes(32)];
    const values = [Buffer.from('value one'), Buffer.from('value two'), Buffer.from('value one')];
    // Claims alternate, as dissenting logs' answers would.
    for (const i of [0, 0, 1, 0, 1, 1]) {
      expect(hashes.logLeafHash(digests[i]!)).toEqual(hashLeaf(encodeLeaf(key, digests[i]!)));
    }
    for (const i of [0, 1, 2, 2, 0, 1]) expect(hashes.valueDigest(values[i]!)).toEqual(sha256(values[i]!));
  });

  it('a value that differs in one byte from the last one is hashed afresh', () => {
    const hashes = new KeyHashes(random.bytes(20));
    const value = random.bytes(200);
    const tampered = Buffer.from(value);
    tampered[199] = tampered[199]! ^ 1;
    expect(hashes.valueDigest(value)).toEqual(sha256(value));
    expect(hashes.valueDigest(tampered)).toEqual(sha256(tampered));
  });

  it("a lookup refuses another key's hashes", () => {
    const answer = {
      checkpointNote: '',
      mapProof: { depth: 0, emptyBitmap: Buffer.alloc(0), siblings: Buffer.alloc(0), leaf: null },
      found: false,
    };
    const checkpoint = { origin: 'o', size: 0, logRoot: Buffer.alloc(32), mapRoot: Buffer.alloc(32) };
    expect(() =>
      verifyLookupAgainst(
        checkpoint as never,
        answer,
        random.bytes(20),
        undefined,
        new KeyHashes(random.bytes(20)),
      ),
    ).toThrow(InvalidArgumentError);
  });
});
