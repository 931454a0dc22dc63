import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';
import { generateSecretKey, publicKeyOf, type SecretKey } from '../../src/crypto/ed25519-keys.js';
import {
  appendSignature,
  formatVerifierKey,
  noteKeyId,
  openNote,
  parseNote,
  parseVerifierKey,
  signNote,
} from '../../src/crypto/signed-note.js';
import { InvalidArgumentError, VerificationError } from '../../src/errors.js';

/*
 * Known-answer vectors from golang.org/x/mod/sumdb/note (note_test.go, TestSign / TestOpen /
 * TestNewVerifier, BSD-licensed, The Go Authors): only the key and note strings are copied.
 */
const GO_PETER_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const GO_PETER_SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const GO_ENOCH_VKEY = 'EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop';
const GO_TEXT =
  "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const GO_PETER_SIG =
  '— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';
const GO_ENOCH_SIG =
  '— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n';

/** Go's signer key is "PRIVATE+KEY+name+id+base64(0x01 || seed)"; tweetnacl wants seed || public key. */
function secretKeyFromGoSignerKey(skey: string): SecretKey {
  const parts = skey.split('+');
  const material = Buffer.from(parts.slice(4).join('+'), 'base64');
  const pair = nacl.sign.keyPair.fromSeed(material.subarray(1));
  return { name: parts[2]!, secretKey: pair.secretKey, publicKey: pair.publicKey };
}

describe('Go sumdb/note known answers', () => {
  const peter = secretKeyFromGoSignerKey(GO_PETER_SKEY);

  it('parses the Go verifier key, whose key ID matches our key-ID rule', () => {
    const key = parseVerifierKey(GO_PETER_VKEY);
    expect(key.name).toBe('PeterNeumann');
    expect(noteKeyId(key.name, key.publicKey)).toBe(0xc74f20a3);
    expect(Buffer.from(key.publicKey)).toEqual(Buffer.from(peter.publicKey));
  });

  it('formats the same verifier key string as Go', () => {
    expect(formatVerifierKey(publicKeyOf(peter))).toBe(GO_PETER_VKEY);
  });

  it('signs the Go text byte for byte like note.Sign', () => {
    expect(signNote(GO_TEXT, peter)).toBe(`${GO_TEXT}\n${GO_PETER_SIG}`);
  });

  it('opens the Go note, ignoring the signature of a key it does not know', () => {
    const opened = openNote(`${GO_TEXT}\n${GO_PETER_SIG}${GO_ENOCH_SIG}`, [parseVerifierKey(GO_PETER_VKEY)]);
    expect(opened).toEqual({ text: GO_TEXT, verifiedBy: ['PeterNeumann'] });
  });

  it('verifies both Go signatures when both keys are known', () => {
    const opened = openNote(`${GO_TEXT}\n${GO_PETER_SIG}${GO_ENOCH_SIG}`, [
      parseVerifierKey(GO_PETER_VKEY),
      parseVerifierKey(GO_ENOCH_VKEY),
    ]);
    expect(opened.verifiedBy).toEqual(['PeterNeumann', 'EnochRoot']);
  });

  it('rejects a note whose only signatures are from unknown keys', () => {
    expect(() => openNote(`${GO_TEXT}\n${GO_PETER_SIG}`, [parseVerifierKey(GO_ENOCH_VKEY)])).toThrow(
      /no signature from a known key/,
    );
  });

  it('rejects a corrupted signature from a known key (Go: "invalid signature for key")', () => {
    const corrupt = `${GO_TEXT}\n${GO_PETER_SIG.slice(0, 60)}ABCD${GO_PETER_SIG.slice(60)}`;
    expect(() => openNote(corrupt, [parseVerifierKey(GO_PETER_VKEY)])).toThrow(
      new VerificationError('signed note: invalid signature for key PeterNeumann+c74f20a3'),
    );
  });

  it('rejects the malformed notes from Go TestOpen', () => {
    const bad = [
      GO_TEXT,
      GO_TEXT + '\n',
      GO_TEXT + '\n' + GO_PETER_SIG.slice(0, -1),
      '\x01' + GO_TEXT + '\n' + GO_PETER_SIG,
      GO_TEXT +
        '\n— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=',
      GO_TEXT + '\n' + GO_PETER_SIG + 'Unexpected line.\n',
      GO_TEXT + '\n' + GO_PETER_SIG.repeat(101),
    ];
    for (const note of bad) {
      expect(() => openNote(note, [parseVerifierKey(GO_PETER_VKEY)]), JSON.stringify(note)).toThrow(
        InvalidArgumentError,
      );
    }
  });

  it('rejects a note that is not valid UTF-8 (Go: "\\xff" prefix)', () => {
    const bytes = Buffer.concat([Buffer.from([0xff]), Buffer.from(`${GO_TEXT}\n${GO_PETER_SIG}`)]);
    expect(() => parseNote(bytes)).toThrow(/not valid UTF-8/);
  });

  it('rejects mangled Go verifier keys', () => {
    expect(() =>
      parseVerifierKey('PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'),
    ).toThrow(/does not match/);
    expect(() =>
      parseVerifierKey('PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'),
    ).toThrow(/unsupported signature type 0x65/);
    expect(() =>
      parseVerifierKey('PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=='),
    ).toThrow(/not canonical base64/); // Go decodes it leniently, then rejects the length
    const longKey = Buffer.concat([Buffer.from([1]), Buffer.alloc(33)]).toString('base64');
    expect(() => parseVerifierKey(`PeterNeumann+c74f20a3+${longKey}`)).toThrow(
      /32-byte Ed25519 key, got 33 bytes/,
    );
    expect(() => parseVerifierKey(GO_PETER_VKEY.slice(0, -1))).toThrow(InvalidArgumentError);
    expect(() =>
      parseVerifierKey('PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'),
    ).toThrow(/8 hex digits/);
  });
});

describe('signed notes', () => {
  const alice = generateSecretKey('alice.example');
  const bob = generateSecretKey('bob.example');
  const text = 'tally.log/0123\n7\n\nsecond paragraph after a blank line\n';

  it('round-trips: parse recovers the text and the key ID of the signer', () => {
    const note = signNote(text, alice);
    const parsed = parseNote(note);
    expect(parsed.text).toBe(text);
    expect(parsed.signatures).toHaveLength(1);
    expect(parsed.signatures[0]!.name).toBe('alice.example');
    expect(parsed.signatures[0]!.keyId).toBe(noteKeyId('alice.example', alice.publicKey));
    expect(parsed.signatures[0]!.signature).toHaveLength(64);
    expect(openNote(note, [publicKeyOf(alice)])).toEqual({ text, verifiedBy: ['alice.example'] });
  });

  it('rejects a tampered body', () => {
    const note = signNote(text, alice).replace('\n7\n', '\n8\n');
    expect(() => openNote(note, [publicKeyOf(alice)])).toThrow(VerificationError);
  });

  it('rejects a tampered signature', () => {
    const note = signNote(text, alice);
    const line = note.slice(note.lastIndexOf('\u2014'));
    const b64 = line.slice(line.lastIndexOf(' ') + 1, -1);
    const bytes = Buffer.from(b64, 'base64');
    bytes[10]! ^= 0x01;
    const tampered = note.replace(b64, bytes.toString('base64'));
    expect(() => openNote(tampered, [publicKeyOf(alice)])).toThrow(
      /invalid signature for key alice\.example\+/,
    );
  });

  it('accepts an extra signature from an unknown key and can verify both', () => {
    const note = appendSignature(signNote(text, alice), bob);
    expect(parseNote(note).signatures.map((s) => s.name)).toEqual(['alice.example', 'bob.example']);
    expect(openNote(note, [publicKeyOf(alice)]).verifiedBy).toEqual(['alice.example']);
    expect(openNote(note, [publicKeyOf(alice), publicKeyOf(bob)]).verifiedBy).toEqual([
      'alice.example',
      'bob.example',
    ]);
  });

  it('appendSignature replaces an earlier signature by the same key instead of repeating it', () => {
    const once = signNote(text, alice);
    expect(appendSignature(once, alice)).toBe(once);
  });

  it('ignores a signature with the right name but another key ID (an unknown key)', () => {
    const impostor = generateSecretKey('alice.example');
    const note = appendSignature(signNote(text, impostor), bob);
    expect(openNote(note, [publicKeyOf(alice), publicKeyOf(bob)]).verifiedBy).toEqual(['bob.example']);
  });

  it('rejects a note signed only by unknown keys', () => {
    expect(() => openNote(signNote(text, bob), [publicKeyOf(alice)])).toThrow(VerificationError);
    expect(() => openNote(signNote(text, bob), [])).toThrow(/known: none/);
  });

  it('rejects a note where a known key signed correctly but a second signature by it is invalid', () => {
    const note = signNote(text, alice);
    const line = note.slice(note.lastIndexOf('\u2014'));
    const forged = Buffer.from(line.slice(line.lastIndexOf(' ') + 1, -1), 'base64');
    forged[40]! ^= 0x80;
    const withForgery = `${note}\u2014 alice.example ${forged.toString('base64')}\n`;
    expect(() => openNote(withForgery, [publicKeyOf(alice)])).toThrow(VerificationError);
  });

  it('refuses text that does not end in a newline or holds control characters', () => {
    expect(() => signNote('no newline', alice)).toThrow(/must end with a newline/);
    expect(() => signNote('tab\there\n', alice)).toThrow(/control character 0x09/);
    expect(() => signNote('cr\r\n', alice)).toThrow(/control character 0x0d/);
  });

  it('refuses to sign with a key name that notes cannot carry', () => {
    expect(() => signNote(text, generateSecretKey('a+b'))).toThrow(/without spaces or "\+"/);
  });

  it('rejects each malformed signature block with a message naming the problem', () => {
    const note = signNote(text, alice);
    const sigLine = note.slice(note.lastIndexOf('\u2014'));
    const b64 = sigLine.slice(sigLine.lastIndexOf(' ') + 1, -1);
    const cases: Array<[string, RegExp]> = [
      ['one line\n\u2014 alice.example ' + b64 + '\n', /no blank line/],
      [text + '\n', /no signature lines/],
      [text + '\n' + sigLine.slice(0, -1), /must end with a newline/],
      [text + '\n- alice.example ' + b64 + '\n', /em dash/],
      [text + '\n\u2014alice.example ' + b64 + '\n', /em dash/],
      [text + '\n\u2014 alice.example\n', /expected "<name> <base64 signature>"/],
      [text + '\n\u2014  ' + b64 + '\n', /invalid key name ""/],
      [text + '\n\u2014 a+b ' + b64 + '\n', /invalid key name "a\+b"/],
      [text + '\n\u2014 alice.example ' + b64.slice(0, -1) + '\n', /not canonical base64/],
      [text + '\n\u2014 alice.example ' + b64 + ' \n', /not canonical base64/],
      [text + '\n\u2014 alice.example AAAAAA==\n', /at least one byte/],
      [text + '\n' + sigLine.repeat(101), /101 signatures, more than 100/],
      ['\u0007' + note, /control character 0x07/],
    ];
    for (const [bad, message] of cases) {
      expect(() => parseNote(bad), JSON.stringify(bad)).toThrow(message);
    }
  });

  it('accepts 100 signatures', () => {
    const note = signNote(text, alice);
    const sigLine = note.slice(note.lastIndexOf('\u2014'));
    expect(parseNote(text + '\n' + sigLine.repeat(100)).signatures).toHaveLength(100);
  });

  it('accepts the same verifier key listed twice', () => {
    const opened = openNote(signNote(text, alice), [publicKeyOf(alice), publicKeyOf(alice)]);
    expect(opened.verifiedBy).toEqual(['alice.example']);
  });

  it('verifier keys round-trip', () => {
    const vkey = formatVerifierKey(publicKeyOf(alice));
    expect(vkey.startsWith('alice.example+')).toBe(true);
    const parsed = parseVerifierKey(vkey);
    expect(parsed.name).toBe('alice.example');
    expect(Buffer.from(parsed.publicKey)).toEqual(Buffer.from(alice.publicKey));
  });
});
