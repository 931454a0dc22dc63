import { describe, expect, it } from 'vitest';
import { parseSecretKey, publicKeyOf } from '../../src/crypto/ed25519-keys.js';
import { keyFromHashPart, storePathKey } from '../../src/nix/store-path.js';
import { parseProxyNarUrl, proxyNarUrl } from '../../src/nix/nar-url.js';
import { parseNarinfo, printNarinfo } from '../../src/nix/narinfo.js';
import { verifyNarinfoSignatures } from '../../src/nix/narinfo-signature.js';
import { rewriteForProxy } from '../../src/nix/rewrite-narinfo.js';
import { fixtureText, SELF_REF } from './fixtures.js';

const proxyKey = parseSecretKey(fixtureText('tally-test-1.secret'));
const NAR_HASH_NIX32 = '1w3q2wcgy465fg5rqz8y6gy7x9jj6yw3yzyfsi479fr2b7k04725';

describe('rewriteForProxy', () => {
  const upstream = parseNarinfo(fixtureText('self-ref-xz.narinfo') + 'Upstream-Only: x\n');
  const rewritten = rewriteForProxy({ ...upstream, sigs: ['other-cache:AAAA'] }, { key: proxyKey });

  it('points at the uncompressed NAR on the proxy and re-signs', () => {
    // With compression=none, `nix copy` wrote the same signature and sizes (self-ref-none.narinfo);
    // only the URL differs: ours carries the store path hash for the proxy's lookup.
    const nixNone = fixtureText('self-ref-none.narinfo').replace(
      `URL: nar/${NAR_HASH_NIX32}.nar\n`,
      `URL: nar/${NAR_HASH_NIX32}.nar?hash=vbimjw4v3q18i0jsk44d659xydl9dq3m\n`,
    );
    expect(printNarinfo(rewritten)).toBe(nixNone);
    expect(verifyNarinfoSignatures(rewritten, [publicKeyOf(proxyKey)])).toEqual(['tally-test-1']);
  });

  it('drops upstream signatures and unknown keys', () => {
    expect(rewritten.sigs).toHaveLength(1);
    expect(rewritten.unknown).toEqual([]);
    expect(upstream.unknown).toEqual([{ key: 'Upstream-Only', value: 'x' }]);
  });
});

describe('proxy NAR URLs', () => {
  it("has harmonia's shape: nar/<narhash>.nar?hash=<store path hash>", () => {
    expect(proxyNarUrl('sha256-RRwC5lkiu3RI1M5/P7g3UqZ+/DMefZzLc8UQ/xgXePA=', SELF_REF)).toBe(
      `nar/${NAR_HASH_NIX32}.nar?hash=vbimjw4v3q18i0jsk44d659xydl9dq3m`,
    );
  });

  it('parses back to the NarHash and the same key the hook submits', () => {
    for (const url of [
      `/nar/${NAR_HASH_NIX32}.nar?hash=vbimjw4v3q18i0jsk44d659xydl9dq3m`,
      `nar/${NAR_HASH_NIX32}.nar?hash=vbimjw4v3q18i0jsk44d659xydl9dq3m`,
    ]) {
      const parsed = parseProxyNarUrl(url);
      expect(parsed.narHash).toBe(`sha256:${NAR_HASH_NIX32}`);
      expect(parsed.hashPart).toBe('vbimjw4v3q18i0jsk44d659xydl9dq3m');
      expect(parsed.key.equals(storePathKey(SELF_REF))).toBe(true);
      expect(parsed.key.equals(keyFromHashPart('vbimjw4v3q18i0jsk44d659xydl9dq3m'))).toBe(true);
    }
  });

  it('rejects anything else', () => {
    const bad: Array<[string, RegExp]> = [
      [`/nar/${NAR_HASH_NIX32}.nar`, /exactly one query parameter/],
      [
        `/nar/${NAR_HASH_NIX32}.nar?hash=vbimjw4v3q18i0jsk44d659xydl9dq3m&hash=vbimjw4v3q18i0jsk44d659xydl9dq3m`,
        /exactly one/,
      ],
      [`/nar/${NAR_HASH_NIX32}.nar?hash=vbimjw4v3q18i0jsk44d659xydl9dq3m&x=1`, /exactly one/],
      [
        `/nar/${NAR_HASH_NIX32}.nar.xz?hash=vbimjw4v3q18i0jsk44d659xydl9dq3m`,
        /expected nar\/<52-character nix32 NarHash>\.nar/,
      ],
      [`/nar/${NAR_HASH_NIX32.slice(1)}.nar?hash=vbimjw4v3q18i0jsk44d659xydl9dq3m`, /expected nar/],
      [`/nar/${'z'.repeat(52)}.nar?hash=vbimjw4v3q18i0jsk44d659xydl9dq3m`, /non-zero padding bits/],
      [`/nar/${NAR_HASH_NIX32}.nar?hash=vbimjw4v3q18i0jsk44d659xydl9dq3`, /must be 32 characters, got 31/],
      [`/nar/${NAR_HASH_NIX32}.nar?hash=ebimjw4v3q18i0jsk44d659xydl9dq3m`, /"e" at position 0/],
      [`/x/nar/${NAR_HASH_NIX32}.nar?hash=vbimjw4v3q18i0jsk44d659xydl9dq3m`, /expected nar/],
    ];
    for (const [url, message] of bad) expect(() => parseProxyNarUrl(url), url).toThrow(message);
  });
});
