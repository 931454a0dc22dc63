import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { contentAddressFromJson, normalizeContentAddress } from '../../src/nix/content-address.js';
import { parseHashJson } from '../../src/nix/hash-text.js';
import {
  formatNarHash,
  narHashNix32,
  normalizeNarHash,
  parseNarHash,
  parseNarHashJson,
} from '../../src/nix/nar-hash.js';

// Three spellings of the same digests, each printed by Nix 2.8 (see fixtures.ts).
const FIXTURE_HASH = {
  nix32: 'sha256:0if0zn8lf1x5f608dfbzpz3cir9y5w11f6s6d4r3w6h974pp3b8c',
  hex: '0cad712f39091a3e3269461b17022f3ee5c8c6bf7fb9868071a5074791fdc045',
  sri: 'sha256-DK1xLzkJGj4yaUYbFwIvPuXIxr9/uYaAcaUHR5H9wEU=',
};
const HELLO_HASH = {
  nix32: 'sha256:09qwkcwl1h7inhijz0h5va7jxf85cs2hxwf54fkykkkyylam4ac1',
  hex: '81295215f57ecee9a723c5f10e856605b92e8fda05822f23b4f1c040399b1c27',
  sri: 'sha256-gSlSFfV+zumnI8XxDoVmBbkuj9oFgi8jtPHAQDmbHCc=',
};

describe('NarHash', () => {
  it('reads every form Nix prints and normalises to sha256:<nix32>', () => {
    for (const h of [FIXTURE_HASH, HELLO_HASH]) {
      expect(parseNarHash(h.nix32).toString('hex')).toBe(h.hex);
      expect(parseNarHash(`sha256:${h.hex}`).toString('hex')).toBe(h.hex);
      expect(parseNarHash(`sha256:${h.hex.toUpperCase()}`).toString('hex')).toBe(h.hex);
      expect(parseNarHash(h.sri).toString('hex')).toBe(h.hex);
      expect(normalizeNarHash(h.sri)).toBe(h.nix32);
      expect(normalizeNarHash(`sha256:${h.hex}`)).toBe(h.nix32);
      expect(narHashNix32(h.sri)).toBe(h.nix32.slice('sha256:'.length));
    }
  });

  it('reads the structured JSON hash of newer Nix', () => {
    const hex = FIXTURE_HASH.hex;
    expect(parseNarHashJson({ algorithm: 'sha256', format: 'base16', hash: hex }).toString('hex')).toBe(hex);
    const b64 = FIXTURE_HASH.sri.slice('sha256-'.length);
    expect(parseNarHashJson({ algorithm: 'sha256', format: 'base64', hash: b64 }).toString('hex')).toBe(hex);
    const n32 = FIXTURE_HASH.nix32.slice('sha256:'.length);
    expect(parseNarHashJson({ algorithm: 'sha256', format: 'nix32', hash: n32 }).toString('hex')).toBe(hex);
    expect(
      parseNarHashJson({ algorithm: 'sha256', format: 'sri', hash: FIXTURE_HASH.sri }).toString('hex'),
    ).toBe(hex);
    expect(() => parseNarHashJson({ algorithm: 'sha256', format: 'base16', hash: b64 })).toThrow(
      /expected 64 \(base16\)/,
    );
    expect(() => parseNarHashJson({ algorithm: 'sha256', format: 'hex', hash: hex })).toThrow(
      /unknown hash format/,
    );
    expect(() => parseNarHashJson({ algorithm: 'sha512', format: 'sri', hash: FIXTURE_HASH.sri })).toThrow(
      /disagrees/,
    );
    expect(() => parseNarHashJson(42)).toThrow(/expected a hash string/);
    expect(() => parseHashJson({ format: 'base16', hash: hex }, 'h')).toThrow(/"algorithm"/);
  });

  it('round-trips any digest', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (d) => {
        expect(parseNarHash(formatNarHash(d)).equals(Buffer.from(d))).toBe(true);
      }),
    );
  });

  it('rejects other algorithms, lengths and alphabets with the reason', () => {
    const bad: Array<[string, RegExp]> = [
      ['sha512:' + '0'.repeat(128), /must be sha256, got sha512/],
      ['sha1:' + '0'.repeat(40), /must be sha256, got sha1/],
      ['blake3:' + '0'.repeat(64), /unsupported hash algorithm "blake3"/],
      ['sha256:' + '0'.repeat(63), /63 characters, expected 64 \(base16\) or 52 \(nix32\) or 44 \(base64\)/],
      ['sha256-' + FIXTURE_HASH.hex, /expected 44 \(base64\)/],
      ['sha256:' + 'g'.repeat(64), /invalid hexadecimal/],
      ['sha256:' + 'e'.repeat(52), /invalid character "e"/],
      ['sha256:' + 'z'.repeat(52), /non-zero padding bits/],
      ['sha256-' + 'DK1xLzkJGj4yaUYbFwIvPuXIxr9/uYaAcaUHR5H9wEV=', /not canonical base64/],
      ['sha256-' + 'DK1xLzkJGj4yaUYbFwIvPuXIxr9/uYaAcaUHR5H9wE!=', /not canonical base64/],
      [FIXTURE_HASH.hex, /is not "<algorithm>:<digest>"/],
      ['', /is not "<algorithm>:<digest>"/],
    ];
    for (const [text, message] of bad) expect(() => parseNarHash(text), text).toThrow(message);
    expect(() => formatNarHash(new Uint8Array(31))).toThrow(/32 bytes, got 31/);
  });
});

describe('content addresses', () => {
  it('keeps the normal forms Nix prints', () => {
    for (const ca of [
      'fixed:r:sha256:09qwkcwl1h7inhijz0h5va7jxf85cs2hxwf54fkykkkyylam4ac1',
      'text:sha256:0hj4cq9pssi1v7wf7xpjlqrvqz6f45pnrcayfqix29hkp3516625',
      'fixed:sha1:f8h5qy03cm8knz7xmamq8a9aqn7avxhi',
      'fixed:md5:56cxf1akjnr3sk904c4rhy9m4x',
      'fixed:git:sha1:f8h5qy03cm8knz7xmamq8a9aqn7avxhi',
      'fixed:sha512:1igw6jma2fig1c5x21kji2p42s4z47c4y4li0mhvlwcngg44qvc32r3i7d44gmlz2br4ifmni97z4parhgkml8mh612smj9ii2d9ax4',
    ]) {
      expect(normalizeContentAddress(ca)).toBe(ca);
    }
  });

  it('normalises other digest spellings to nix32 (known answers from `nix hash to-base32`)', () => {
    expect(normalizeContentAddress(`fixed:r:sha256:${HELLO_HASH.hex}`)).toBe(`fixed:r:${HELLO_HASH.nix32}`);
    expect(normalizeContentAddress('fixed:sha1:11f6ad8ec52a2984abaafd7c3b516503785c2072')).toBe(
      'fixed:sha1:f8h5qy03cm8knz7xmamq8a9aqn7avxhi',
    );
    expect(normalizeContentAddress('fixed:md5:9dd4e461268c8034f5c8564e155c67a6')).toBe(
      'fixed:md5:56cxf1akjnr3sk904c4rhy9m4x',
    );
  });

  it('converts the structured CA of newer nix path-info --json', () => {
    expect(contentAddressFromJson({ method: 'nar', hash: HELLO_HASH.sri })).toBe(
      `fixed:r:${HELLO_HASH.nix32}`,
    );
    expect(contentAddressFromJson({ method: 'text', hash: HELLO_HASH.sri })).toBe(`text:${HELLO_HASH.nix32}`);
    expect(contentAddressFromJson({ method: 'flat', hash: HELLO_HASH.sri })).toBe(
      `fixed:${HELLO_HASH.nix32}`,
    );
    expect(
      contentAddressFromJson({
        method: 'git',
        hash: { algorithm: 'sha1', format: 'base16', hash: '11f6ad8ec52a2984abaafd7c3b516503785c2072' },
      }),
    ).toBe('fixed:git:sha1:f8h5qy03cm8knz7xmamq8a9aqn7avxhi');
    expect(contentAddressFromJson(null)).toBeUndefined();
    expect(contentAddressFromJson(undefined)).toBeUndefined();
    expect(() => contentAddressFromJson({ method: 'recursive', hash: HELLO_HASH.sri })).toThrow(
      /unknown method/,
    );
    expect(() => contentAddressFromJson([])).toThrow(/expected null, a string or/);
  });

  it('rejects malformed content addresses', () => {
    const bad: Array<[string, RegExp]> = [
      ['text:sha1:f8h5qy03cm8knz7xmamq8a9aqn7avxhi', /text method requires sha256/],
      ['fixed:r:sha3:' + '0'.repeat(52), /unsupported hash algorithm "sha3"/],
      ['fixed:r:' + HELLO_HASH.sri, /is not "text:sha256:<hash>"/],
      ['fixed:x:sha256:' + HELLO_HASH.hex, /is not "text:sha256:<hash>"/],
      ['output:out', /is not "text:sha256:<hash>"/],
      ['fixed:r:sha256:' + HELLO_HASH.hex + ':x', /is not "text:sha256:<hash>"/],
      ['fixed:r:sha256-x:' + HELLO_HASH.hex, /unsupported hash algorithm "sha256-x"/],
      ['fixed:r:sha256:' + '0'.repeat(51), /51 characters/],
      ['', /is not/],
    ];
    for (const [text, message] of bad) expect(() => normalizeContentAddress(text), text).toThrow(message);
  });
});
