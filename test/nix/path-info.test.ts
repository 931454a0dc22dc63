import { describe, expect, it } from 'vitest';
import type { NixOutput } from '../../src/nix/canonical-value.js';
import { crossCheckNarinfo } from '../../src/nix/cross-check.js';
import { parseNarinfo } from '../../src/nix/narinfo.js';
import { nixOutputFromPathInfo, nixOutputsFromPathInfoJson } from '../../src/nix/path-info.js';
import {
  DEP,
  DEP_BASE,
  FIXTURE,
  fixtureJson,
  fixtureText,
  HELLO,
  SELF_REF,
  SELF_REF_BASE,
} from './fixtures.js';

// Expected values are copied from the narinfo files Nix wrote for the same paths (nix copy).
const EXPECTED_28: NixOutput[] = [
  {
    storePath: HELLO,
    narHash: 'sha256:09qwkcwl1h7inhijz0h5va7jxf85cs2hxwf54fkykkkyylam4ac1',
    narSize: 136,
    references: [],
    ca: 'fixed:r:sha256:09qwkcwl1h7inhijz0h5va7jxf85cs2hxwf54fkykkkyylam4ac1',
  },
  {
    storePath: FIXTURE,
    narHash: 'sha256:0if0zn8lf1x5f608dfbzpz3cir9y5w11f6s6d4r3w6h974pp3b8c',
    narSize: 176,
    references: [DEP_BASE],
  },
  {
    storePath: DEP,
    narHash: 'sha256:1p22nclz6hx0klxf202qml59y522fagh4w3wv7xk0zmppfn38hkf',
    narSize: 144,
    references: [],
    ca: 'text:sha256:0hj4cq9pssi1v7wf7xpjlqrvqz6f45pnrcayfqix29hkp3516625',
  },
];

describe('nix path-info --json', () => {
  it('reads the array printed by Nix 2.8', () => {
    expect(nixOutputsFromPathInfoJson(fixtureJson('path-info-nix-2.8.json'))).toEqual(EXPECTED_28);
  });

  it('agrees with the narinfo Nix wrote for the same path (self-reference included)', () => {
    const [output] = nixOutputsFromPathInfoJson(fixtureJson('path-info-self-ref-nix-2.8.json'));
    expect(output!.references).toEqual([DEP_BASE, SELF_REF_BASE]);
    expect(() => crossCheckNarinfo(parseNarinfo(fixtureText('self-ref-xz.narinfo')), output!)).not.toThrow();
    expect(() =>
      crossCheckNarinfo(parseNarinfo(fixtureText('hello-xz.narinfo')), EXPECTED_28[0]!),
    ).not.toThrow();
  });

  it('reads the object keyed by path of Nix 2.19+ (hand-converted from the 2.8 fixture)', () => {
    const entries = fixtureJson('path-info-nix-2.8.json') as Array<Record<string, unknown>>;
    const keyed = Object.fromEntries(entries.map(({ path, ...rest }) => [path as string, rest]));
    expect(nixOutputsFromPathInfoJson(keyed)).toEqual(EXPECTED_28);
  });

  it('reads the JSON v2 shape (basenames, storeDir, structured ca)', () => {
    const v2 = {
      [`${SELF_REF_BASE}`]: {
        version: 2,
        storeDir: '/nix/store',
        narHash: {
          algorithm: 'sha256',
          format: 'base16',
          hash: '451c02e65922bb7448d4ce7f3fb83752a67efc331e7d9ccb73c510ff181778f0',
        },
        narSize: 232,
        references: [SELF_REF_BASE, DEP_BASE],
        ca: null,
        deriver: '9hgk8z6k4vhc05isdqlwsha68zhlvhpy-tally-self-ref.drv',
        signatures: [],
      },
      'cywnqllb02d26yylfhbxahcjgcvrgirh-tally-dep.txt': {
        version: 2,
        storeDir: '/nix/store',
        narHash: 'sha256-bkI0rLu3fjD72XxwAp9yQhSfCq1YAOE6naBD8ymzQtw=',
        narSize: 144,
        references: [],
        ca: {
          method: 'text',
          hash: {
            algorithm: 'sha256',
            format: 'nix32',
            hash: '0hj4cq9pssi1v7wf7xpjlqrvqz6f45pnrcayfqix29hkp3516625',
          },
        },
      },
    };
    const [selfRef, dep] = nixOutputsFromPathInfoJson(v2);
    expect(selfRef).toEqual({
      storePath: SELF_REF,
      narHash: 'sha256:1w3q2wcgy465fg5rqz8y6gy7x9jj6yw3yzyfsi479fr2b7k04725',
      narSize: 232,
      references: [DEP_BASE, SELF_REF_BASE],
    });
    expect(dep).toEqual(EXPECTED_28[2]);
  });

  it('reports invalid paths in both shapes', () => {
    expect(() => nixOutputsFromPathInfoJson(fixtureJson('path-info-invalid-nix-2.8.json'))).toThrow(
      'path-info /nix/store/00000000000000000000000000000000-x: Nix reports the path as not valid',
    );
    expect(() => nixOutputsFromPathInfoJson({ [HELLO]: null })).toThrow(
      `path-info ${HELLO}: Nix reports the path as not valid`,
    );
  });

  it('rejects malformed entries, naming the path and field', () => {
    const good = {
      path: FIXTURE,
      narHash: 'sha256-DK1xLzkJGj4yaUYbFwIvPuXIxr9/uYaAcaUHR5H9wEU=',
      narSize: 176,
      references: [DEP],
    };
    expect(nixOutputFromPathInfo(good).storePath).toBe(FIXTURE);
    const bad: Array<[unknown, RegExp]> = [
      [{ ...good, narSize: '176' }, /tally-fixture: narSize must be a number/],
      [{ ...good, narSize: 0 }, /tally-fixture: NarSize: 0 is not a positive/],
      [{ ...good, references: DEP }, /references must be an array/],
      [{ ...good, references: ['/nix/var/x'] }, /reference: expected a store path|not directly in store dir/],
      [{ ...good, references: [DEP, DEP] }, /listed twice/],
      [
        { ...good, narHash: 'md5:56cxf1akjnr3sk904c4rhy9m4x' },
        /tally-fixture: NarHash: algorithm must be sha256/,
      ],
      [{ ...good, ca: 'fixed:r:sha256:x' }, /CA: sha256 digest has 1 characters/],
      [{ ...good, path: undefined }, /path-info path: expected a store path string/],
      [{ ...good, path: '/tmp/5pxwnfy9mj2r934xpja5pnpr7f7mf6kr-tally-fixture' }, /not directly in store dir/],
      [{ ...good, storeDir: '/opt/store' }, /not directly in store dir \/opt\/store/],
      [[good], /is not an object/],
      [null, /is not an object/],
    ];
    for (const [entry, message] of bad)
      expect(() => nixOutputFromPathInfo(entry), JSON.stringify(entry)).toThrow(message);
    expect(() =>
      nixOutputFromPathInfo({ ...good, storeDir: '/opt/store' }, undefined, { storeDir: '/nix/store' }),
    ).toThrow('path-info storeDir "/opt/store" is not /nix/store');
    expect(() => nixOutputsFromPathInfoJson({ [HELLO]: good })).toThrow(
      `path-info entry under ${HELLO} describes ${FIXTURE}`,
    );
    expect(() => nixOutputsFromPathInfoJson('[]')).toThrow(/must be an array or an object/);
  });

  it('uses a configured store dir', () => {
    const entry = {
      path: FIXTURE.replace('/nix/store', '/opt/store'),
      narHash: 'sha256-DK1xLzkJGj4yaUYbFwIvPuXIxr9/uYaAcaUHR5H9wEU=',
      narSize: 176,
      references: [],
    };
    expect(nixOutputFromPathInfo(entry, undefined, { storeDir: '/opt/store' }).storePath).toBe(entry.path);
    expect(() => nixOutputFromPathInfo(entry)).toThrow(/not directly in store dir \/nix\/store/);
  });
});
