import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { encodeNixBase32 } from '../../src/crypto/nix-base32.js';
import {
  decodeNixValue,
  encodeNixValue,
  MAX_NIX_VALUE_BYTES,
  nixValueDigest,
  type NixOutput,
} from '../../src/nix/canonical-value.js';
import { DEP_BASE, HELLO, SELF_REF, SELF_REF_BASE } from './fixtures.js';

// Known answers: written by hand from the Nix 2.8 fixtures; digests from `printf '...' | sha256sum`.
const SELF_REF_VALUE =
  'tally-nix-output/v1\n' +
  'StorePath: /nix/store/vbimjw4v3q18i0jsk44d659xydl9dq3m-tally-self-ref\n' +
  'NarHash: sha256:1w3q2wcgy465fg5rqz8y6gy7x9jj6yw3yzyfsi479fr2b7k04725\n' +
  'NarSize: 232\n' +
  'References: cywnqllb02d26yylfhbxahcjgcvrgirh-tally-dep.txt vbimjw4v3q18i0jsk44d659xydl9dq3m-tally-self-ref\n' +
  'CA:\n';
const SELF_REF_DIGEST = '7c6da2aa76d6f198cede0165285b2ccd4ecbee21eeb827782d340af55064309e';
const HELLO_VALUE =
  'tally-nix-output/v1\n' +
  'StorePath: /nix/store/003wvnhikzwbp5z80c08l6bf6fgnkxrv-hello.txt\n' +
  'NarHash: sha256:09qwkcwl1h7inhijz0h5va7jxf85cs2hxwf54fkykkkyylam4ac1\n' +
  'NarSize: 136\n' +
  'References:\n' +
  'CA: fixed:r:sha256:09qwkcwl1h7inhijz0h5va7jxf85cs2hxwf54fkykkkyylam4ac1\n';
const HELLO_DIGEST = '7ee00fb5fc7aee99a161d3186fe3fd89cfbf9e0cf4773172d8fa20256ec9007a';

const selfRef: NixOutput = {
  storePath: SELF_REF,
  narHash: 'sha256-RRwC5lkiu3RI1M5/P7g3UqZ+/DMefZzLc8UQ/xgXePA=',
  narSize: 232,
  references: [SELF_REF_BASE, DEP_BASE], // unsorted on purpose
};
const hello: NixOutput = {
  storePath: HELLO,
  narHash: 'sha256:81295215f57ecee9a723c5f10e856605b92e8fda05822f23b4f1c040399b1c27',
  narSize: 136,
  references: [],
  ca: 'fixed:r:sha256:09qwkcwl1h7inhijz0h5va7jxf85cs2hxwf54fkykkkyylam4ac1',
};

describe('canonical Nix value', () => {
  it('encodes to the documented bytes and digest', () => {
    expect(encodeNixValue(selfRef).toString('utf8')).toBe(SELF_REF_VALUE);
    expect(nixValueDigest(selfRef).toString('hex')).toBe(SELF_REF_DIGEST);
    expect(encodeNixValue(hello).toString('utf8')).toBe(HELLO_VALUE);
    expect(nixValueDigest(hello).toString('hex')).toBe(HELLO_DIGEST);
  });

  it('decodes to the normalised output', () => {
    expect(decodeNixValue(Buffer.from(SELF_REF_VALUE))).toEqual({
      storePath: SELF_REF,
      narHash: 'sha256:1w3q2wcgy465fg5rqz8y6gy7x9jj6yw3yzyfsi479fr2b7k04725',
      narSize: 232,
      references: [DEP_BASE, SELF_REF_BASE],
    });
    expect(decodeNixValue(Buffer.from(HELLO_VALUE)).ca).toBe(hello.ca);
  });

  it('honours a custom store dir', () => {
    const custom = { ...hello, storePath: HELLO.replace('/nix/store', '/opt/nix') };
    const bytes = encodeNixValue(custom, { storeDir: '/opt/nix' });
    expect(bytes.toString()).toContain('StorePath: /opt/nix/003wvnhikzwbp5z80c08l6bf6fgnkxrv-hello.txt\n');
    expect(decodeNixValue(bytes, { storeDir: '/opt/nix' }).storePath).toBe(custom.storePath);
    expect(() => decodeNixValue(bytes)).toThrow(/not directly in store dir \/nix\/store/);
  });

  it('round-trips arbitrary outputs, independent of reference order', () => {
    const hashPart = fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => encodeNixBase32(b));
    const name = fc.stringMatching(/^[a-z0-9][A-Za-z0-9+\-._?=]{0,40}$/);
    const baseName = fc.tuple(hashPart, name).map(([h, n]) => `${h}-${n}`);
    const output = fc.record({
      storePath: baseName.map((b) => `/nix/store/${b}`),
      narHash: fc.uint8Array({ minLength: 32, maxLength: 32 }).map((d) => `sha256:${encodeNixBase32(d)}`),
      narSize: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
      references: fc.uniqueArray(baseName, { maxLength: 20 }),
    });
    fc.assert(
      fc.property(output, fc.boolean(), (o, withCa) => {
        const out: NixOutput = withCa ? { ...o, ca: `fixed:r:${o.narHash}` } : o;
        const bytes = encodeNixValue(out);
        const decoded = decodeNixValue(bytes);
        expect(encodeNixValue(decoded).equals(bytes)).toBe(true);
        expect(new Set(decoded.references)).toEqual(new Set(out.references));
        const shuffled = { ...out, references: [...out.references].reverse() };
        expect(nixValueDigest(shuffled).equals(nixValueDigest(out))).toBe(true);
      }),
    );
  });

  it('refuses to encode invalid outputs', () => {
    expect(() => encodeNixValue({ ...hello, narSize: 0 })).toThrow(/NarSize: 0 is not a positive/);
    expect(() => encodeNixValue({ ...hello, narSize: 1.5 })).toThrow(/NarSize/);
    expect(() => encodeNixValue({ ...hello, narHash: 'md5:56cxf1akjnr3sk904c4rhy9m4x' })).toThrow(/sha256/);
    expect(() => encodeNixValue({ ...hello, storePath: 'hello.txt' })).toThrow(/not directly in store dir/);
    expect(() => encodeNixValue({ ...hello, references: [DEP_BASE, DEP_BASE] })).toThrow(/listed twice/);
    expect(() => encodeNixValue({ ...hello, references: [`/nix/store/${DEP_BASE}`] })).toThrow(/expected/);
    expect(() => encodeNixValue({ ...hello, ca: 'sha256:abc' })).toThrow(/CA/);
    const many = Array.from(
      { length: 1400 },
      (_, i) =>
        `${encodeNixBase32(Buffer.alloc(20, i % 256)).slice(0, 28)}${String(i).padStart(4, '0')}-${'x'.repeat(20)}`,
    );
    expect(() => encodeNixValue({ ...hello, references: many })).toThrow(`more than ${MAX_NIX_VALUE_BYTES}`);
  });

  it('rejects every non-canonical or malformed encoding', () => {
    const variants: Array<[string, string, RegExp]> = [
      ['missing final LF', SELF_REF_VALUE.slice(0, -1), /must end with a line feed/],
      ['CRLF', SELF_REF_VALUE.replace(/\n/g, '\r\n'), /line 1 must be/],
      ['wrong header', SELF_REF_VALUE.replace('v1', 'v2'), /line 1 must be/],
      ['extra line', SELF_REF_VALUE + 'Deriver: x\n', /7 lines, expected 6/],
      ['missing line', SELF_REF_VALUE.replace('CA:\n', ''), /5 lines, expected 6/],
      [
        'reordered keys',
        SELF_REF_VALUE.replace('NarSize: 232\n', '').replace('CA:\n', 'CA:\nNarSize: 232\n'),
        /line 4 must start with "NarSize:"/,
      ],
      [
        'unsorted references',
        SELF_REF_VALUE.replace(`${DEP_BASE} ${SELF_REF_BASE}`, `${SELF_REF_BASE} ${DEP_BASE}`),
        /not in canonical form/,
      ],
      ['double space', SELF_REF_VALUE.replace(`${DEP_BASE} `, `${DEP_BASE}  `), /expected/],
      [
        'trailing space on empty list',
        HELLO_VALUE.replace('References:\n', 'References: \n'),
        /not in canonical form/,
      ],
      ['trailing space on empty CA', SELF_REF_VALUE.replace('CA:\n', 'CA: \n'), /not in canonical form/],
      [
        'no space after colon',
        SELF_REF_VALUE.replace('NarSize: 232', 'NarSize:232'),
        /must be followed by a space/,
      ],
      ['leading zero', SELF_REF_VALUE.replace('NarSize: 232', 'NarSize: 0232'), /without leading zeros/],
      ['zero size', SELF_REF_VALUE.replace('NarSize: 232', 'NarSize: 0'), /NarSize: 0 is not a positive/],
      [
        'huge size',
        SELF_REF_VALUE.replace('NarSize: 232', 'NarSize: 9007199254740993'),
        /larger than 2\^53 - 1/,
      ],
      [
        'SRI NarHash',
        SELF_REF_VALUE.replace(
          'sha256:1w3q2wcgy465fg5rqz8y6gy7x9jj6yw3yzyfsi479fr2b7k04725',
          'sha256-RRwC5lkiu3RI1M5/P7g3UqZ+/DMefZzLc8UQ/xgXePA=',
        ),
        /not in canonical form/,
      ],
      [
        'hex CA',
        HELLO_VALUE.replace(
          'sha256:09qwkcwl1h7inhijz0h5va7jxf85cs2hxwf54fkykkkyylam4ac1\n',
          'sha256:81295215f57ecee9a723c5f10e856605b92e8fda05822f23b4f1c040399b1c27\n',
        ),
        /not in canonical form/,
      ],
      [
        'duplicate reference',
        SELF_REF_VALUE.replace(`${DEP_BASE} ${SELF_REF_BASE}`, `${DEP_BASE} ${DEP_BASE}`),
        /listed twice/,
      ],
      [
        'bad store path',
        SELF_REF_VALUE.replace('-tally-self-ref\nNarHash', '-tally self\nNarHash'),
        /contains " "/,
      ],
    ];
    for (const [what, text, message] of variants) {
      expect(() => decodeNixValue(Buffer.from(text)), what).toThrow(message);
    }
    expect(() => decodeNixValue(Buffer.from([0xff, 0x0a]))).toThrow(/not valid UTF-8/);
    expect(() => decodeNixValue(Buffer.alloc(MAX_NIX_VALUE_BYTES + 1, 0x61))).toThrow(/more than 65536/);
  });
});
