import { describe, expect, it } from 'vitest';
import { parsePublicKey } from '../../src/crypto/ed25519-keys.js';
import { defaultOrigin, logIdOf } from '../../src/checkpoint/log-id.js';

// Expected IDs computed independently with Python:
//   hashlib.sha256(b'tally-log-id/v1\n' + b'nix' + b'\n' + pub).hexdigest()
const FIXTURE_PUBLIC = parsePublicKey('tally-fixture-1:A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg=');
const NIX_LOG_ID = '50722f586a5ec4f23aab53772a62c878bf124f17457bc684d5f59f9beb14a9d7';
const GUIX_LOG_ID = 'a75ab36c7131d175c8403f77d2b371c7c23a018ee638b510fd5366c77cf0ae86';

describe('log ID', () => {
  it('is stable for a fixed key, with "nix" as the default protocol', () => {
    expect(logIdOf(FIXTURE_PUBLIC)).toBe(NIX_LOG_ID);
    expect(logIdOf(FIXTURE_PUBLIC, 'nix')).toBe(NIX_LOG_ID);
  });

  it('depends on the protocol but not on the key name', () => {
    expect(logIdOf(FIXTURE_PUBLIC, 'guix')).toBe(GUIX_LOG_ID);
    expect(logIdOf({ ...FIXTURE_PUBLIC, name: 'renamed' })).toBe(NIX_LOG_ID);
  });

  it('rejects protocols that could blur the domain separation', () => {
    expect(() => logIdOf(FIXTURE_PUBLIC, '')).toThrow(/protocol ""/);
    expect(() => logIdOf(FIXTURE_PUBLIC, 'nix\nx')).toThrow(/protocol/);
    expect(() => logIdOf(FIXTURE_PUBLIC, 'Nix')).toThrow(/protocol/);
  });

  it('gives the default origin from the first 16 hex digits', () => {
    expect(defaultOrigin(NIX_LOG_ID)).toBe('tally.log/50722f586a5ec4f2');
    expect(() => defaultOrigin('50722f586a5ec4f2')).toThrow(/64 lowercase hex/);
    expect(() => defaultOrigin(NIX_LOG_ID.toUpperCase())).toThrow(/64 lowercase hex/);
  });
});
