import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { EMPTY_ROOT, hashChildren, hashLeaf } from '../../src/log/index.js';
import { EMPTY_ROOT_HEX, HASHER_VECTORS } from './rfc6962-vectors.js';

// Independent of src/crypto: Node's streaming hash over the prefixed input.
const sha256Of = (...parts: Uint8Array[]): Buffer => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
};

describe('hasher', () => {
  it('empty root is SHA-256 of the empty string (known answer)', () => {
    expect(EMPTY_ROOT.toString('hex')).toBe(EMPTY_ROOT_HEX);
  });

  it('hashLeaf matches the RFC 6962 known answers', () => {
    expect(hashLeaf(HASHER_VECTORS.emptyLeaf.input)).toEqual(HASHER_VECTORS.emptyLeaf.hash);
    expect(hashLeaf(HASHER_VECTORS.leaf.input)).toEqual(HASHER_VECTORS.leaf.hash);
  });

  it('hashChildren matches the RFC 6962 known answer for short inputs', () => {
    const { left, right, hash } = HASHER_VECTORS.node;
    expect(hashChildren(left, right)).toEqual(hash);
  });

  it('hashChildren of two 32-byte hashes is SHA-256(0x01 || left || right), order-sensitive', () => {
    const left = Buffer.alloc(32, 0x11);
    const right = Buffer.alloc(32, 0x22);
    expect(hashChildren(left, right)).toEqual(sha256Of(Uint8Array.of(1), left, right));
    expect(hashChildren(right, left)).toEqual(sha256Of(Uint8Array.of(1), right, left));
  });

  it('results of successive hashChildren calls do not share memory', () => {
    const a = hashChildren(Buffer.alloc(32, 1), Buffer.alloc(32, 2));
    const copyOfA = Buffer.from(a);
    hashChildren(Buffer.alloc(32, 3), Buffer.alloc(32, 4));
    expect(a).toEqual(copyOfA);
  });

  it('a leaf over the concatenation of two hashes differs from their parent (domain separation)', () => {
    const left = hashLeaf(Buffer.from('Hello'));
    const right = hashLeaf(Buffer.from('World'));
    expect(hashLeaf(Buffer.concat([left, right]))).not.toEqual(hashChildren(left, right));
    expect(hashLeaf(Buffer.from('x'))).toEqual(sha256Of(Uint8Array.of(0), Buffer.from('x')));
  });
});
