// The worked example in docs/PROTOCOL.md, "The map": if these change, the protocol changed.
import { describe, expect, it } from 'vitest';
import crypto from 'node:crypto';
import {
  decodeMapProof,
  encodeMapProof,
  buildMapProof,
  mapInsertBatch,
  verifyMapProof,
} from '../../src/map/index.js';
import { MemoryNodeSource } from './support.js';

const sha = (s: string): Buffer => crypto.createHash('sha256').update(s).digest();
const keys = ['alpha', 'beta', 'gamma', 'delta', 'upsilon'];

const ROOT = 'e0eab36a129561f7865c3a269f4dfc5916ac7db55a3c00fead29b623ad2c83c5';
const PROOFS: Record<string, string> = {
  beta:
    '00050130' +
    'd16f29e3f7f220fb31336cd67de8745fd13bcdbd701b80a4524f1d1b13ca8c42' +
    'aa68d6610f46ab6fc2100d16321d87a8dd5e9582a1fd01c950cfea829bb3d0ee' +
    '907529f528e2942619332e6dc979b3e595390feb5117802c9f5f12240ff0f920' +
    'f44e64e75f3948e9f73f8dfa94721c4ce8cbb4f265c4790c702b2d41cfbf2753' +
    '0000000000000001' +
    '3c69aac7be907f4edd1778faafb685349a94c2c1d772ec4078e67108267ff76b',
  chi:
    '00030000' +
    'd16f29e3f7f220fb31336cd67de8745fd13bcdbd701b80a4524f1d1b13ca8c42' +
    'aa68d6610f46ab6fc2100d16321d87a8dd5e9582a1fd01c950cfea829bb3d0ee' +
    '399ed33207452feac2917fdcf5c2f9803635e5c83bc585a50a8e375ac8a416c7',
  theta:
    '00030100' +
    'd16f29e3f7f220fb31336cd67de8745fd13bcdbd701b80a4524f1d1b13ca8c42' +
    'aa69a17c4ac01f9f08cf90f47ca759a5025cfcc22705c0ed899c8a8218db3c17' +
    'c56c41c208feea0a0153761e8453b4c456b5e1c2a1f114d15813aa63cc0aa8d9' +
    '8ed3f6ad685b959ead7022518e1af76cd816f8e8ec7ccdda1ed4018e8f2223f8' +
    '0000000000000000' +
    '0908c88234899369f6b1948b469bad6e985590ec4b33aca5f262447feb1d7d19',
};

describe('map protocol vectors', () => {
  const source = new MemoryNodeSource();
  const { root, writes } = mapInsertBatch(
    source,
    keys.map((key, i) => ({ key: Buffer.from(key), logIndex: i, valueDigest: sha(`value of ${key}`) })),
  );
  source.apply(writes);

  it('has the documented root', () => {
    expect(root.toString('hex')).toBe(ROOT);
  });

  for (const [key, hex] of Object.entries(PROOFS)) {
    it(`produces and verifies the documented proof for "${key}"`, () => {
      expect(encodeMapProof(buildMapProof(source, Buffer.from(key))).toString('hex')).toBe(hex);
      const result = verifyMapProof(
        Buffer.from(ROOT, 'hex'),
        Buffer.from(key),
        decodeMapProof(Buffer.from(hex, 'hex')),
      );
      if (key === 'beta') expect(result).toEqual({ logIndex: 1, valueDigest: sha('value of beta') });
      else expect(result).toBeNull();
    });
  }
});
