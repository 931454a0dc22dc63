import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { InvalidArgumentError } from '../../src/errors.js';
import {
  formatStorePath,
  hashPartOfKey,
  keyFromHashPart,
  parseStorePath,
  parseStorePathBaseName,
  storePathKey,
} from '../../src/nix/store-path.js';
import { FIXTURE, SELF_REF } from './fixtures.js';

describe('store path keys', () => {
  it('decodes the hash part to the 20 bytes Nix reports (known answers from `nix hash to-base16 --type sha1`)', () => {
    expect(storePathKey(FIXTURE).toString('hex')).toBe('791a578f3bf9da5b94bc9d8c9485acc93bcbfb2d');
    expect(storePathKey(SELF_REF).toString('hex')).toBe('75e09668f33d15d308995a8288021e9b7059e3da');
    expect(keyFromHashPart('00000000000000000000000000000000').toString('hex')).toBe('00'.repeat(20));
    expect(keyFromHashPart('zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz').toString('hex')).toBe('ff'.repeat(20));
  });

  it('gives the post-build hook and the narinfo URL of the proxy the same key', () => {
    // Hook: `nix path-info` / $OUT_PATHS hand it the full path.
    const hookKey = storePathKey(FIXTURE);
    // Proxy: Nix asks for GET /<hash>.narinfo.
    const url = '/5pxwnfy9mj2r934xpja5pnpr7f7mf6kr.narinfo';
    const proxyKey = keyFromHashPart(/^\/([^/.]+)\.narinfo$/.exec(url)![1]!);
    expect(proxyKey.equals(hookKey)).toBe(true);
    expect(hookKey.length).toBe(20);
  });

  it('round-trips keys and hash parts', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 20, maxLength: 20 }), (key) => {
        expect(keyFromHashPart(hashPartOfKey(key)).equals(Buffer.from(key))).toBe(true);
      }),
    );
  });

  it('rejects malformed hash parts with the reason', () => {
    expect(() => keyFromHashPart('5pxwnfy9mj2r934xpja5pnpr7f7mf6k')).toThrow(/must be 32 characters, got 31/);
    expect(() => keyFromHashPart('5pxwnfy9mj2r934xpja5pnpr7f7mf6kr0')).toThrow(/got 33/);
    expect(() => keyFromHashPart('epxwnfy9mj2r934xpja5pnpr7f7mf6kr')).toThrow(/"e" at position 0/);
    expect(() => keyFromHashPart('5PXWNFY9MJ2R934XPJA5PNPR7F7MF6KR')).toThrow(InvalidArgumentError);
    expect(() => hashPartOfKey(new Uint8Array(19))).toThrow(/20 bytes, got 19/);
  });
});

describe('parseStorePath', () => {
  it('splits full paths and basenames', () => {
    expect(parseStorePath(FIXTURE)).toEqual({
      storeDir: '/nix/store',
      hashPart: '5pxwnfy9mj2r934xpja5pnpr7f7mf6kr',
      name: 'tally-fixture',
    });
    expect(parseStorePathBaseName('5pxwnfy9mj2r934xpja5pnpr7f7mf6kr-a-b.c')).toMatchObject({ name: 'a-b.c' });
    const custom = parseStorePath('/opt/store/5pxwnfy9mj2r934xpja5pnpr7f7mf6kr-x', '/opt/store');
    expect(formatStorePath(custom)).toBe('/opt/store/5pxwnfy9mj2r934xpja5pnpr7f7mf6kr-x');
  });

  it('accepts the names Nix 2.8 accepted', () => {
    expect(parseStorePath('/nix/store/lx5kmmr2f4fhqqi3mhvp9m3rnam1h9zq-.dotfile').name).toBe('.dotfile');
    expect(parseStorePathBaseName(`fpf51ph04vjnjg7jin2b7nzj2gh5hgpv-${'n'.repeat(211)}`).name.length).toBe(
      211,
    );
    expect(parseStorePathBaseName('5pxwnfy9mj2r934xpja5pnpr7f7mf6kr-A+Z_0?=.-').name).toBe('A+Z_0?=.-');
  });

  it('rejects every malformed shape', () => {
    const bad: Array<[string, RegExp]> = [
      ['/nix/store/5pxwnfy9mj2r934xpja5pnpr7f7mf6kr-a b', /contains " "/],
      [`/nix/store/01lhi52a476rmqrmw9cl41dv992gvclq-${'n'.repeat(212)}`, /212 characters, longer than 211/],
      ['/nix/store/5pxwnfy9mj2r934xpja5pnpr7f7mf6kr-', /expected/],
      ['/nix/store/5pxwnfy9mj2r934xpja5pnpr7f7mf6kr', /expected/],
      ['/nix/store/5pxwnfy9mj2r934xpja5pnpr7f7mf6kr_x', /expected/],
      ['/nix/store/5pxwnfy9mj2r934xpja5pnpr7f7mf6ke-x', /"e" at position 31/],
      ['/nix/store/5pxwnfy9mj2r934xpja5pnpr7f7mf6kr-.', /"\." component/],
      ['/nix/store/5pxwnfy9mj2r934xpja5pnpr7f7mf6kr-..', /"\.\." component/],
      ['/nix/store/5pxwnfy9mj2r934xpja5pnpr7f7mf6kr-.-x', /"\." component/],
      ['/nix/store/5pxwnfy9mj2r934xpja5pnpr7f7mf6kr-x/bin/sh', /inside a store path/],
      ['/nix/storee/5pxwnfy9mj2r934xpja5pnpr7f7mf6kr-x', /not directly in store dir/],
      ['5pxwnfy9mj2r934xpja5pnpr7f7mf6kr-x', /not directly in store dir/],
      ['/nix/store/5pxwnfy9mj2r934xpja5pnpr7f7mf6kr-caf\u00e9', /contains "\u00e9"/],
    ];
    for (const [path, message] of bad) expect(() => parseStorePath(path), path).toThrow(message);
  });

  it('rejects malformed store dirs', () => {
    for (const dir of ['nix/store', '/nix/store/', '/', '/nix//store', '/nix/../store', '/nix store']) {
      expect(() => parseStorePath(`${dir}/5pxwnfy9mj2r934xpja5pnpr7f7mf6kr-x`, dir), dir).toThrow(
        /store dir/,
      );
    }
  });
});
