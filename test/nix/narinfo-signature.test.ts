import { describe, expect, it } from 'vitest';
import {
  generateSecretKey,
  parsePublicKey,
  parseSecretKey,
  publicKeyOf,
} from '../../src/crypto/ed25519-keys.js';
import { parseNarinfo } from '../../src/nix/narinfo.js';
import { fingerprintOf, signNarinfo, verifyNarinfoSignatures } from '../../src/nix/narinfo-signature.js';
import { DEP_BASE, fixtureText, SELF_REF_BASE } from './fixtures.js';

// The key pair `nix-store --generate-binary-cache-key` made; Nix signed the fixtures with it.
const nixSecret = parseSecretKey(fixtureText('tally-test-1.secret'));
const nixPublic = parsePublicKey(fixtureText('tally-test-1.public'));
const NIX_SIGNED = ['self-ref-xz.narinfo', 'self-ref-none.narinfo', 'hello-xz.narinfo', 'dep-xz.narinfo'];
const selfRef = parseNarinfo(fixtureText('self-ref-xz.narinfo'));

describe('narinfo fingerprint', () => {
  it("is Nix's 1;path;narHash;narSize;full sorted references", () => {
    expect(fingerprintOf(selfRef)).toBe(
      '1;/nix/store/vbimjw4v3q18i0jsk44d659xydl9dq3m-tally-self-ref;' +
        'sha256:1w3q2wcgy465fg5rqz8y6gy7x9jj6yw3yzyfsi479fr2b7k04725;232;' +
        '/nix/store/cywnqllb02d26yylfhbxahcjgcvrgirh-tally-dep.txt,/nix/store/vbimjw4v3q18i0jsk44d659xydl9dq3m-tally-self-ref',
    );
    expect(fingerprintOf(parseNarinfo(fixtureText('hello-xz.narinfo')))).toBe(
      '1;/nix/store/003wvnhikzwbp5z80c08l6bf6fgnkxrv-hello.txt;sha256:09qwkcwl1h7inhijz0h5va7jxf85cs2hxwf54fkykkkyylam4ac1;136;',
    );
  });

  it('sorts references, as Nix does, whatever the narinfo order', () => {
    const reordered = { ...selfRef, references: [SELF_REF_BASE, DEP_BASE] };
    expect(fingerprintOf(reordered)).toBe(fingerprintOf(selfRef));
  });

  it('needs a known NarSize', () => {
    expect(() => fingerprintOf({ ...selfRef, narSize: 0 })).toThrow(/NarSize must be known/);
  });
});

describe('narinfo signatures', () => {
  it('accepts the signatures Nix made', () => {
    for (const name of NIX_SIGNED) {
      expect(verifyNarinfoSignatures(parseNarinfo(fixtureText(name)), [nixPublic]), name).toEqual([
        'tally-test-1',
      ]);
    }
  });

  it('produces exactly the signature Nix produced (Ed25519 is deterministic)', () => {
    for (const name of NIX_SIGNED) {
      const narinfo = parseNarinfo(fixtureText(name));
      expect(signNarinfo({ ...narinfo, sigs: [] }, nixSecret).sigs, name).toEqual(narinfo.sigs);
    }
  });

  it('replaces every existing signature by ours', () => {
    const proxyKey = generateSecretKey('proxy-1');
    const signed = signNarinfo(selfRef, proxyKey);
    expect(signed.sigs).toHaveLength(1);
    expect(signed.sigs[0]!.startsWith('proxy-1:')).toBe(true);
    expect(verifyNarinfoSignatures(signed, [publicKeyOf(proxyKey), nixPublic])).toEqual(['proxy-1']);
    expect(selfRef.sigs[0]!.startsWith('tally-test-1:')).toBe(true); // input untouched
  });

  it('rejects tampering with any signed field', () => {
    const tampered = [
      { ...selfRef, storePath: '/nix/store/5pxwnfy9mj2r934xpja5pnpr7f7mf6kr-tally-fixture' },
      { ...selfRef, narHash: 'sha256:0if0zn8lf1x5f608dfbzpz3cir9y5w11f6s6d4r3w6h974pp3b8c' },
      { ...selfRef, narSize: 233 },
      { ...selfRef, references: [DEP_BASE] },
      { ...selfRef, references: [] },
    ];
    for (const t of tampered) expect(verifyNarinfoSignatures(t, [nixPublic])).toEqual([]);
  });

  it('does not cover URL, Compression, FileHash, Deriver or CA (as in Nix)', () => {
    const unsigned = {
      ...selfRef,
      url: 'nar/evil.nar',
      compression: 'none',
      fileSize: 1,
      deriver: undefined,
      ca: 'fixed:r:sha256:1w3q2wcgy465fg5rqz8y6gy7x9jj6yw3yzyfsi479fr2b7k04725',
    };
    expect(verifyNarinfoSignatures(unsigned, [nixPublic])).toEqual(['tally-test-1']);
  });

  it('ignores signatures from untrusted, misnamed or malformed keys', () => {
    const other = generateSecretKey('tally-test-1'); // same name, different key
    expect(verifyNarinfoSignatures(selfRef, [publicKeyOf(other)])).toEqual([]);
    expect(verifyNarinfoSignatures(selfRef, [{ ...nixPublic, name: 'someone-else' }])).toEqual([]);
    expect(verifyNarinfoSignatures(selfRef, [])).toEqual([]);
    const sig = selfRef.sigs[0]!;
    const malformed = [
      sig.slice(0, -4) + '====',
      sig.replace('tally-test-1:', 'tally-test-1:A'),
      sig.slice(0, -2) + 'A=',
      'tally-test-1:',
      ':' + sig.split(':')[1],
    ];
    for (const s of malformed)
      expect(verifyNarinfoSignatures({ ...selfRef, sigs: [s] }, [nixPublic]), s).toEqual([]);
    expect(verifyNarinfoSignatures({ ...selfRef, sigs: ['junk:AAAA', sig] }, [nixPublic])).toEqual([
      'tally-test-1',
    ]);
  });
});
