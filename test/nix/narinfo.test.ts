import { describe, expect, it } from 'vitest';
import { MAX_NARINFO_BYTES, parseNarinfo, printNarinfo, type Narinfo } from '../../src/nix/narinfo.js';
import { DEP_BASE, fixtureText, HELLO, SELF_REF, SELF_REF_BASE } from './fixtures.js';

const NIX_NARINFOS = ['self-ref-xz.narinfo', 'self-ref-none.narinfo', 'hello-xz.narinfo', 'dep-xz.narinfo'];

const MINIMAL =
  `StorePath: ${HELLO}\n` +
  'URL: nar/x.nar\n' +
  'NarHash: sha256:09qwkcwl1h7inhijz0h5va7jxf85cs2hxwf54fkykkkyylam4ac1\n' +
  'NarSize: 136\n';

describe('parseNarinfo', () => {
  it('reads a narinfo written by nix copy', () => {
    expect(parseNarinfo(fixtureText('self-ref-xz.narinfo'))).toEqual({
      storePath: SELF_REF,
      url: 'nar/1p5xkyp1ilm1br8a89jwvqp7l465mq58qi5g07pi1k86gyzfsqxv.nar.xz',
      compression: 'xz',
      fileHash: 'sha256:1p5xkyp1ilm1br8a89jwvqp7l465mq58qi5g07pi1k86gyzfsqxv',
      fileSize: 216,
      narHash: 'sha256:1w3q2wcgy465fg5rqz8y6gy7x9jj6yw3yzyfsi479fr2b7k04725',
      narSize: 232,
      references: [DEP_BASE, SELF_REF_BASE],
      deriver: '9hgk8z6k4vhc05isdqlwsha68zhlvhpy-tally-self-ref.drv',
      sigs: [
        'tally-test-1:ht17pjz/Qxs9BPerPinR3Ax7Oopy5/LcMB2mJNCwRaD1Tl5umJtVX5JRGW25k3t7j0VG0RC94g5udJcwE8m/Cw==',
      ],
      unknown: [],
    } satisfies Narinfo);
    const hello = parseNarinfo(fixtureText('hello-xz.narinfo'));
    expect(hello.references).toEqual([]);
    expect(hello.ca).toBe('fixed:r:sha256:09qwkcwl1h7inhijz0h5va7jxf85cs2hxwf54fkykkkyylam4ac1');
    expect(hello.deriver).toBeUndefined();
  });

  it('prints every Nix-written narinfo back byte for byte', () => {
    for (const name of NIX_NARINFOS) {
      const text = fixtureText(name);
      expect(printNarinfo(parseNarinfo(text)), name).toBe(text);
      expect(printNarinfo(parseNarinfo(Buffer.from(text))), name).toBe(text);
    }
  });

  it('reads a missing Compression as bzip2, like Nix, and always prints it', () => {
    const parsed = parseNarinfo(MINIMAL);
    expect(parsed.compression).toBe('bzip2');
    expect(printNarinfo(parsed)).toBe(
      `StorePath: ${HELLO}\nURL: nar/x.nar\nCompression: bzip2\n` +
        'NarHash: sha256:09qwkcwl1h7inhijz0h5va7jxf85cs2hxwf54fkykkkyylam4ac1\nNarSize: 136\nReferences: \n',
    );
  });

  it('normalises hashes and the unknown-deriver placeholder', () => {
    const text =
      MINIMAL.replace(
        'sha256:09qwkcwl1h7inhijz0h5va7jxf85cs2hxwf54fkykkkyylam4ac1',
        'sha256-gSlSFfV+zumnI8XxDoVmBbkuj9oFgi8jtPHAQDmbHCc=',
      ) +
      'Deriver: unknown-deriver\nFileHash: sha256:81295215f57ecee9a723c5f10e856605b92e8fda05822f23b4f1c040399b1c27\n';
    const parsed = parseNarinfo(text);
    expect(parsed.narHash).toBe('sha256:09qwkcwl1h7inhijz0h5va7jxf85cs2hxwf54fkykkkyylam4ac1');
    expect(parsed.fileHash).toBe('sha256:09qwkcwl1h7inhijz0h5va7jxf85cs2hxwf54fkykkkyylam4ac1');
    expect(parsed.deriver).toBeUndefined();
  });

  it('keeps unknown keys in order and prints them after the known ones', () => {
    const parsed = parseNarinfo('Zeta: 1\n' + MINIMAL + 'Alpha: two words: here\nSystem: x86_64-linux\n');
    expect(parsed.unknown).toEqual([
      { key: 'Zeta', value: '1' },
      { key: 'Alpha', value: 'two words: here' },
    ]);
    expect(parsed.system).toBe('x86_64-linux');
    expect(printNarinfo(parsed).split('\n').slice(-4)).toEqual([
      'System: x86_64-linux',
      'Zeta: 1',
      'Alpha: two words: here',
      '',
    ]);
  });

  it('accepts repeated Sig lines, in order', () => {
    const parsed = parseNarinfo(MINIMAL + 'Sig: a:AAAA\nSig: b-1:BBBB\n');
    expect(parsed.sigs).toEqual(['a:AAAA', 'b-1:BBBB']);
  });

  it('rejects malformed narinfos, naming the line and key', () => {
    const cases: Array<[string, string | Uint8Array, RegExp]> = [
      ['empty', '', /missing required key StorePath/],
      ['no StorePath', MINIMAL.replace(/^StorePath.*\n/m, ''), /missing required key StorePath/],
      ['no URL', MINIMAL.replace(/^URL.*\n/m, ''), /missing required key URL/],
      ['no NarHash', MINIMAL.replace(/^NarHash.*\n/m, ''), /missing required key NarHash/],
      ['no NarSize', MINIMAL.replace(/^NarSize.*\n/m, ''), /missing required key NarSize/],
      ['duplicate key', MINIMAL + 'URL: nar/y.nar\n', /line 5 \(URL\): duplicate key/],
      ['duplicate unknown key', MINIMAL + 'X: 1\nX: 2\n', /line 6 \(X\): duplicate key/],
      ['no final LF', MINIMAL.slice(0, -1), /must end with a line feed/],
      ['no ": "', MINIMAL + 'References:\n', /line 5: expected "Key: value", got "References:"/],
      ['blank line', MINIMAL + '\n', /line 5: expected "Key: value"/],
      ['CRLF', MINIMAL.replace(/\n/g, '\r\n'), /line 1 \(StorePath\): value contains a control character/],
      ['bad key', MINIMAL + 'Bad Key: 1\n', /line 5: expected "Key: value"/],
      [
        'leading zero',
        MINIMAL.replace('NarSize: 136', 'NarSize: 0136'),
        /line 4 \(NarSize\): .*without leading zeros/,
      ],
      ['negative', MINIMAL.replace('NarSize: 136', 'NarSize: -1'), /line 4 \(NarSize\)/],
      ['not a number', MINIMAL + 'FileSize: 1e3\n', /line 5 \(FileSize\): .*"1e3" is not a decimal/],
      ['too big', MINIMAL + 'FileSize: 9007199254740992\n', /line 5 \(FileSize\): .*larger than 2\^53 - 1/],
      [
        'NarSize 0',
        MINIMAL.replace('NarSize: 136', 'NarSize: 0'),
        /line 4 \(NarSize\): must be greater than 0/,
      ],
      [
        'bad StorePath',
        MINIMAL.replace(HELLO, '/nix/store/hello'),
        /line 1 \(StorePath\): store path "hello"/,
      ],
      [
        'bad NarHash',
        MINIMAL.replace('sha256:09q', 'sha256:e9q'),
        /line 3 \(NarHash\): NarHash: nix base32: invalid character "e"/,
      ],
      [
        'sha512 FileHash',
        MINIMAL + `FileHash: sha512:${'0'.repeat(128)}\n`,
        /line 5 \(FileHash\): NarHash: algorithm must be sha256/,
      ],
      ['bad reference', MINIMAL + 'References: foo\n', /line 5 \(References\): store path "foo"/],
      [
        'double space',
        MINIMAL + `References: ${DEP_BASE}  ${SELF_REF_BASE}\n`,
        /line 5 \(References\): References: references must be separated by single spaces/,
      ],
      ['trailing space', MINIMAL + `References: ${DEP_BASE} \n`, /single spaces/],
      ['full path reference', MINIMAL + `References: /nix/store/${DEP_BASE}\n`, /line 5 \(References\)/],
      [
        'duplicate reference',
        MINIMAL + `References: ${DEP_BASE} ${DEP_BASE}\n`,
        /line 5 \(References\): .*listed twice/,
      ],
      ['bad Deriver', MINIMAL + 'Deriver: foo.drv\n', /line 5 \(Deriver\)/],
      ['bad CA', MINIMAL + 'CA: fixed:sha256:abc\n', /line 5 \(CA\): CA: sha256 digest has 3 characters/],
      ['empty URL', MINIMAL.replace('URL: nar/x.nar', 'URL: '), /line 2 \(URL\): must not be empty/],
      ['empty Compression', MINIMAL + 'Compression: \n', /line 5 \(Compression\): must not be empty/],
      ['bad Sig', MINIMAL + 'Sig: no-colon\n', /line 5 \(Sig\): expected "keyname:base64"/],
      ['control character', MINIMAL + 'X: a\u0007b\n', /line 5 \(X\): value contains a control character/],
      [
        'invalid UTF-8',
        Buffer.concat([Buffer.from(MINIMAL), Buffer.from([0x58, 0x3a, 0x20, 0xc3, 0x28, 0x0a])]),
        /not valid UTF-8/,
      ],
      ['too large', MINIMAL + `X: ${'a'.repeat(MAX_NARINFO_BYTES)}\n`, /more than 65536/],
      [
        'too large bytes',
        Buffer.alloc(MAX_NARINFO_BYTES + 1, 0x41),
        /narinfo is 65537 bytes, more than 65536/,
      ],
    ];
    for (const [what, input, message] of cases) expect(() => parseNarinfo(input), what).toThrow(message);
  });

  it('checks the StorePath against the configured store dir', () => {
    const custom = MINIMAL.replace('/nix/store', '/opt/store');
    expect(parseNarinfo(custom, { storeDir: '/opt/store' }).storePath).toBe(
      HELLO.replace('/nix/store', '/opt/store'),
    );
    expect(() => parseNarinfo(custom)).toThrow(
      /line 1 \(StorePath\): .*not directly in store dir \/nix\/store/,
    );
  });
});

describe('printNarinfo', () => {
  const base = parseNarinfo(MINIMAL);
  it('refuses values Nix would misread', () => {
    expect(() => printNarinfo({ ...base, compression: '' })).toThrow(/Compression must not be empty/);
    expect(() => printNarinfo({ ...base, url: 'nar/x\nSig: evil:AAAA' })).toThrow(
      /URL: value contains a control character/,
    );
    expect(() => printNarinfo({ ...base, unknown: [{ key: 'URL', value: 'x' }] })).toThrow(
      /unknown key URL is a known key/,
    );
    expect(() => printNarinfo({ ...base, unknown: [{ key: 'A: B', value: 'x' }] })).toThrow(
      /is not printable/,
    );
  });
});
