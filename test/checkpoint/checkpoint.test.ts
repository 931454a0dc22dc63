import { describe, expect, it } from 'vitest';
import { generateSecretKey, parseSecretKey, publicKeyOf } from '../../src/crypto/ed25519-keys.js';
import { appendSignature, parseVerifierKey, signNote } from '../../src/crypto/signed-note.js';
import {
  formatCheckpointBody,
  parseCheckpointBody,
  signCheckpoint,
  verifyCheckpoint,
  type Checkpoint,
} from '../../src/checkpoint/checkpoint.js';
import { InvalidArgumentError, VerificationError } from '../../src/errors.js';

// Fixture key: seed = bytes 0..31. The secret key line was also accepted by `nix store sign --key-file`.
const FIXTURE_SECRET =
  'tally-fixture-1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8DoQe/884Qvh1w3RjnS8CZZ+TWMJulDV8d3IZkElUxuA==';
// Verifier key computed with Python's hashlib (SHA-256("tally-fixture-1\n" || 0x01 || pub)[:4]) and
// accepted by Go's note.NewSigner / NewVerifier (key-ID check).
const FIXTURE_VKEY = 'tally-fixture-1+9b98bfc8+AQOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4';
const BODY =
  'tally.log/50722f586a5ec4f2\n7\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\nmap-root q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n';
// BODY signed by golang.org/x/mod/sumdb/note.Sign (Go 1.19, Debian golang-golang-x-mod-dev) with the
// signer key "PRIVATE+KEY+tally-fixture-1+9b98bfc8+" + base64(0x01 || seed).
const GO_SIGNED_NOTE =
  BODY +
  '\n— tally-fixture-1 m5i/yBJ1lujfKg+icb/f13fgF5o5CIaR8+Bm5n8m2Wdg9hg9MzRcpMY/NA1gt9ceIm66sI5O+q9gHbo4YGCP9ZJ10wU=\n';

const CHECKPOINT: Checkpoint = {
  origin: 'tally.log/50722f586a5ec4f2',
  size: 7,
  logRoot: Buffer.from([...Array(32).keys()]),
  mapRoot: Buffer.alloc(32, 0xab),
};

describe('checkpoint body', () => {
  it('formats to the documented bytes and parses back', () => {
    expect(formatCheckpointBody(CHECKPOINT)).toBe(BODY);
    expect(parseCheckpointBody(BODY)).toEqual(CHECKPOINT);
  });

  it('accepts the empty tree (size 0)', () => {
    const empty = BODY.replace('\n7\n', '\n0\n');
    expect(parseCheckpointBody(empty).size).toBe(0);
  });

  it('accepts the largest safe size and nothing above it', () => {
    expect(parseCheckpointBody(BODY.replace('\n7\n', '\n9007199254740991\n')).size).toBe(
      Number.MAX_SAFE_INTEGER,
    );
    expect(() => parseCheckpointBody(BODY.replace('\n7\n', '\n9007199254740992\n'))).toThrow(/too large/);
  });

  const root = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=';
  const malformed: Array<[string, string, RegExp]> = [
    ['missing final newline', BODY.slice(0, -1), /must end with a newline/],
    ['empty origin', BODY.replace('tally.log/50722f586a5ec4f2', ''), /origin: must not be empty/],
    ['origin with a control character', BODY.replace('tally.log/', 'tally\tlog/'), /control character/],
    ['leading zero in size', BODY.replace('\n7\n', '\n07\n'), /leading zeros/],
    ['"00" size', BODY.replace('\n7\n', '\n00\n'), /leading zeros/],
    ['negative size', BODY.replace('\n7\n', '\n-7\n'), /leading zeros/],
    ['size with a plus sign', BODY.replace('\n7\n', '\n+7\n'), /leading zeros/],
    ['size with spaces', BODY.replace('\n7\n', '\n 7\n'), /leading zeros/],
    ['hex size', BODY.replace('\n7\n', '\n0x7\n'), /leading zeros/],
    ['empty size', BODY.replace('\n7\n', '\n\n'), /leading zeros/],
    [
      'log root of 31 bytes',
      BODY.replace(root, Buffer.alloc(31).toString('base64')),
      /expected 32 bytes, got 31/,
    ],
    [
      'log root of 33 bytes',
      BODY.replace(root, Buffer.alloc(33).toString('base64')),
      /expected 32 bytes, got 33/,
    ],
    ['log root without padding', BODY.replace(root, root.slice(0, -1)), /not canonical base64/],
    [
      'log root with non-zero trailing bits',
      BODY.replace(root, root.slice(0, -2) + '9='),
      /not canonical base64/,
    ],
    ['log root in base64url', BODY.replace('q6urq6', 'q6ur-_'), /not canonical base64/],
    ['log root in hex', BODY.replace(root, '00'.repeat(32)), /expected 32 bytes, got 48/],
    ['missing map-root line', BODY.slice(0, BODY.indexOf('map-root')), /expected 4 lines/],
    ['misspelled map-root', BODY.replace('map-root ', 'maproot '), /line 4 must be "map-root <base64>"/],
    ['map-root with two spaces', BODY.replace('map-root ', 'map-root  '), /not canonical base64/],
    [
      'short map root',
      BODY.replace('map-root q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=', 'map-root q6ur'),
      /got 3/,
    ],
    ['unknown extension line', BODY + 'witness-hint foo\n', /unexpected extension line "witness-hint foo"/],
    ['empty extension line', BODY + '\n', /unexpected extension line ""/],
    ['map-root before the log root', 'o\n7\nmap-root ' + root + '\n' + root + '\n', /not canonical base64/],
  ];
  for (const [what, body, message] of malformed) {
    it(`rejects ${what}`, () => {
      expect(() => parseCheckpointBody(body)).toThrow(InvalidArgumentError);
      expect(() => parseCheckpointBody(body)).toThrow(message);
    });
  }

  it('refuses to format invalid checkpoints', () => {
    expect(() => formatCheckpointBody({ ...CHECKPOINT, origin: 'a\nb' })).toThrow(/origin/);
    expect(() => formatCheckpointBody({ ...CHECKPOINT, size: -1 })).toThrow(/size/);
    expect(() => formatCheckpointBody({ ...CHECKPOINT, size: 1.5 })).toThrow(/size/);
    expect(() => formatCheckpointBody({ ...CHECKPOINT, mapRoot: Buffer.alloc(20) })).toThrow(/map root/);
  });
});

describe('signed checkpoints', () => {
  const key = parseSecretKey(FIXTURE_SECRET);

  it('signs byte for byte like Go sumdb/note (known answer)', () => {
    expect(signCheckpoint(CHECKPOINT, key)).toBe(GO_SIGNED_NOTE);
  });

  it('verifies the Go-signed checkpoint with the verifier key or the Nix public key', () => {
    expect(verifyCheckpoint(GO_SIGNED_NOTE, parseVerifierKey(FIXTURE_VKEY))).toEqual(CHECKPOINT);
    expect(verifyCheckpoint(Buffer.from(GO_SIGNED_NOTE), publicKeyOf(key), CHECKPOINT.origin)).toEqual(
      CHECKPOINT,
    );
  });

  it('rejects an origin mismatch', () => {
    expect(() => verifyCheckpoint(GO_SIGNED_NOTE, publicKeyOf(key), 'tally.log/other')).toThrow(
      new VerificationError(
        'checkpoint origin "tally.log/50722f586a5ec4f2" does not match the expected "tally.log/other"',
      ),
    );
  });

  it('rejects a checkpoint signed by another key', () => {
    const other = generateSecretKey('tally-fixture-1');
    expect(() => verifyCheckpoint(signCheckpoint(CHECKPOINT, other), publicKeyOf(key))).toThrow(
      /no signature from a known key/,
    );
  });

  it('rejects a tampered size', () => {
    expect(() => verifyCheckpoint(GO_SIGNED_NOTE.replace('\n7\n', '\n8\n'), publicKeyOf(key))).toThrow(
      /invalid signature for key tally-fixture-1\+9b98bfc8/,
    );
  });

  it('accepts extra witness signatures', () => {
    const witnessed = appendSignature(GO_SIGNED_NOTE, generateSecretKey('witness.example'));
    expect(verifyCheckpoint(witnessed, publicKeyOf(key))).toEqual(CHECKPOINT);
  });

  it('reports a signed but malformed body as bad input', () => {
    const note = signNote('tally.log/x\n7\n', key);
    expect(() => verifyCheckpoint(note, publicKeyOf(key))).toThrow(/expected 4 lines/);
  });
});
