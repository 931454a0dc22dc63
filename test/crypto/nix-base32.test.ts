import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeNixBase32, encodeNixBase32, nixBase32Length } from '../../src/crypto/nix-base32.js';
import { sha256 } from '../../src/crypto/sha256.js';

/*
 * Known answers printed by Nix 2.8.0 (Debian nix-bin), recorded once with:
 *   nix-hash --type sha256 --to-base32 <hex>
 *   nix-hash --type sha1   --to-base32 da39a3ee5e6b4b0d3255bfef95601890afd80709
 *   nix-hash --type md5    --to-base32 d41d8cd98f00b204e9800998ecf8427e
 *   printf 'hello world\n' > hello.txt && nix-hash --type sha256 --flat --base32 hello.txt
 * Nix is not called at test time.
 */
const NIX_TO_BASE32: Array<[hex: string, nix32: string]> = [
  [
    '0000000000000000000000000000000000000000000000000000000000000000',
    '0000000000000000000000000000000000000000000000000000',
  ],
  [
    'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
    '1zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz',
  ],
  [
    'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    '0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73',
  ],
  [
    '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
    '1vydmf4nfi9307pwvaw9cx2j60ggrnmqjrs54c0yzkdbi5kla8q1',
  ],
  // 20 bytes: the size of a store-path hash.
  ['da39a3ee5e6b4b0d3255bfef95601890afd80709', '143xibwh31h9bvxzalr0sjvbbvpa6ffs'],
  // 16 bytes: 26 characters, with 2 unused bits in the first one.
  ['d41d8cd98f00b204e9800998ecf8427e', '3y8bwfr609h3lh9ch0izcqq7fl'],
  // The sha256 of a file as hashed by Nix (NarHash-style base32 of file content).
  [
    '07fa2ad3fa05b62b038abac451ee9176a363e80c19631bed7aec3380ff87b36a',
    '0smkhzzq0czcgbninqqr1kl678vnj7p53i5si81jpdh5zb9jmyh7',
  ],
];
const HELLO_WORLD_FLAT_SHA256 = '0ix4jahrkll5zg01wandq78jw3ab30q4nscph67rniqg5x7r0j59';

describe('Nix base32', () => {
  it('encodes like nix-hash --to-base32', () => {
    for (const [hex, nix32] of NIX_TO_BASE32) expect(encodeNixBase32(Buffer.from(hex, 'hex'))).toBe(nix32);
  });

  it('decodes what nix-hash printed', () => {
    for (const [hex, nix32] of NIX_TO_BASE32) expect(decodeNixBase32(nix32).toString('hex')).toBe(hex);
  });

  it('matches nix-hash --flat --base32 of a file', () => {
    expect(encodeNixBase32(sha256(Buffer.from('hello world\n')))).toBe(HELLO_WORLD_FLAT_SHA256);
  });

  it('round-trips random bytes of any length', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 80 }), (bytes) => {
        const text = encodeNixBase32(bytes);
        expect(text).toHaveLength(nixBase32Length(bytes.length));
        expect(decodeNixBase32(text)).toEqual(Buffer.from(bytes));
      }),
    );
  });

  it('gives the lengths Nix uses', () => {
    expect(nixBase32Length(20)).toBe(32);
    expect(nixBase32Length(32)).toBe(52);
    expect(nixBase32Length(16)).toBe(26);
  });

  it('rejects the letters Nix leaves out: e, o, u, t', () => {
    const valid = '143xibwh31h9bvxzalr0sjvbbvpa6ffs';
    for (const letter of ['e', 'o', 'u', 't']) {
      expect(() => decodeNixBase32(letter + valid.slice(1))).toThrow(/invalid character/);
    }
    expect(() => decodeNixBase32(valid.toUpperCase())).toThrow(/invalid character/);
  });

  it('rejects lengths no byte string encodes to', () => {
    for (const length of [1, 3, 6, 30, 33, 51, 54]) {
      expect(() => decodeNixBase32('0'.repeat(length)), `length ${length}`).toThrow(
        /not a valid encoded length/,
      );
    }
  });

  it('rejects set padding bits (a second spelling of the same bytes)', () => {
    // 52 characters carry 260 bits for 256: the first character may only be 0 or 1.
    expect(() => decodeNixBase32('2' + '0'.repeat(51))).toThrow(/padding/);
  });
});
