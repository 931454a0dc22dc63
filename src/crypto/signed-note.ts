import { InvalidArgumentError, VerificationError } from '../errors.js';
import { sha256Concat } from './sha256.js';
import {
  parsePublicKey,
  signDetached,
  verifyDetached,
  type PublicKey,
  type SecretKey,
} from './ed25519-keys.js';

/**
 * C2SP signed notes (https://c2sp.org/signed-note) with Ed25519 signatures, byte-compatible with
 * golang.org/x/mod/sumdb/note:
 *
 *   <text, ending in "\n">
 *   "\n"
 *   "— <key name> <base64(key ID (4 bytes, big-endian) || Ed25519 signature (64 bytes))>\n"   (1..100 lines)
 *
 * The signature covers the text including its final newline, not the blank separator line.
 * Key ID = SHA-256(name || 0x0A || 0x01 || 32-byte public key)[:4].
 */

/** Signature type byte for Ed25519 in the C2SP key-ID and verifier-key encodings. */
export const ED25519_SIGNATURE_TYPE = 0x01;
/** Same cap as the Go reference implementation: bounds the work one note can cause. */
export const MAX_NOTE_SIGNATURES = 100;

export interface NoteSignature {
  name: string;
  /** uint32 key ID, the first 4 bytes of the decoded signature, big-endian. */
  keyId: number;
  /** The signature bytes after the key ID (64 bytes for Ed25519; other lengths are kept as-is). */
  signature: Buffer;
}

export interface ParsedNote {
  text: string;
  signatures: NoteSignature[];
}

export interface OpenedNote {
  text: string;
  /** Names of the verifier keys whose signatures verified, in note order, without repeats. */
  verifiedBy: string[];
}

const SIGNATURE_PREFIX = '\u2014 '; // em dash, space
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL_CHARACTER = /[\u0000-\u0009\u000b-\u001f]/; // every C0 control except newline
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const UNICODE_SPACE = /\p{White_Space}/u; // the set Go's unicode.IsSpace tests
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Key names in notes: non-empty, no Unicode spaces, no "+" (the verifier-key separator). */
export function isValidNoteKeyName(name: string): boolean {
  return name.length > 0 && !UNICODE_SPACE.test(name) && !name.includes('+') && !LONE_SURROGATE.test(name);
}

function assertNoteKeyName(name: string): void {
  if (!isValidNoteKeyName(name)) {
    throw new InvalidArgumentError(
      `key name ${JSON.stringify(name)} cannot sign notes: it must be non-empty without spaces or "+"`,
    );
  }
}

/** C2SP key ID of an Ed25519 key: SHA-256(name || "\n" || 0x01 || publicKey)[:4] as a uint32. */
export function noteKeyId(name: string, publicKey: Uint8Array): number {
  const digest = sha256Concat(
    Buffer.from(name + '\n', 'utf8'),
    Uint8Array.of(ED25519_SIGNATURE_TYPE),
    publicKey,
  );
  return digest.readUInt32BE(0);
}

function keyLabel(name: string, keyId: number): string {
  return `${name}+${keyId.toString(16).padStart(8, '0')}`;
}

/** Decodes base64 only when it is the one canonical encoding of its bytes (no stray bits or padding). */
export function decodeCanonicalBase64(text: string, what: string): Buffer {
  const bytes = BASE64.test(text) && text.length % 4 === 0 ? Buffer.from(text, 'base64') : undefined;
  if (bytes === undefined || bytes.toString('base64') !== text) {
    throw new InvalidArgumentError(`${what}: ${JSON.stringify(text)} is not canonical base64`);
  }
  return bytes;
}

function decodeUtf8(bytes: Uint8Array): string {
  try {
    // ignoreBOM keeps a leading U+FEFF in the text, so the signed bytes are exactly the file's bytes.
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new InvalidArgumentError('signed note: not valid UTF-8');
  }
}

function assertNoteCharacters(text: string, what: string): void {
  const control = CONTROL_CHARACTER.exec(text);
  if (control) {
    const code = control[0].charCodeAt(0).toString(16).padStart(2, '0');
    throw new InvalidArgumentError(`${what}: control character 0x${code} at offset ${control.index}`);
  }
  if (LONE_SURROGATE.test(text)) throw new InvalidArgumentError(`${what}: not valid UTF-8 (lone surrogate)`);
}

function assertNoteText(text: string): void {
  if (!text.endsWith('\n')) throw new InvalidArgumentError('note text: must end with a newline');
  assertNoteCharacters(text, 'note text');
}

function signatureLine(text: string, key: SecretKey): string {
  assertNoteKeyName(key.name);
  const keyId = Buffer.alloc(4);
  keyId.writeUInt32BE(noteKeyId(key.name, key.publicKey));
  const signature = signDetached(key, Buffer.from(text, 'utf8'));
  return `${SIGNATURE_PREFIX}${key.name} ${Buffer.concat([keyId, signature]).toString('base64')}\n`;
}

/** Signs `text` (which must end in "\n") and returns the note with one signature line. */
export function signNote(text: string, key: SecretKey): string {
  assertNoteText(text);
  return `${text}\n${signatureLine(text, key)}`;
}

/**
 * Adds `key`'s signature to an already signed note (existing signatures are kept unverified).
 * A previous signature by the same key (name and key ID) is replaced, as Go's note.Sign does.
 */
export function appendSignature(noteText: string, key: SecretKey): string {
  const note = parseNote(noteText);
  assertNoteKeyName(key.name);
  const ownId = noteKeyId(key.name, key.publicKey);
  const kept = note.signatures.filter((s) => !(s.name === key.name && s.keyId === ownId));
  if (kept.length + 1 > MAX_NOTE_SIGNATURES) {
    throw new InvalidArgumentError(`signed note: cannot add a signature beyond ${MAX_NOTE_SIGNATURES}`);
  }
  return formatNote({ text: note.text, signatures: kept }) + signatureLine(note.text, key);
}

/** One signature line, "— <name> <base64(key ID || signature)>\n", as parseNote read it. */
export function formatSignatureLine(signature: NoteSignature): string {
  const keyId = Buffer.alloc(4);
  keyId.writeUInt32BE(signature.keyId);
  return `${SIGNATURE_PREFIX}${signature.name} ${Buffer.concat([keyId, signature.signature]).toString('base64')}\n`;
}

function formatNote(note: ParsedNote): string {
  return `${note.text}\n${note.signatures.map(formatSignatureLine).join('')}`;
}

function parseSignatureLine(line: string, lineNumber: number): NoteSignature {
  const what = `signed note: signature line ${lineNumber}`;
  if (!line.startsWith(SIGNATURE_PREFIX)) {
    throw new InvalidArgumentError(`${what}: must start with an em dash (U+2014) and a space`);
  }
  const rest = line.slice(SIGNATURE_PREFIX.length);
  const space = rest.indexOf(' ');
  if (space < 0) throw new InvalidArgumentError(`${what}: expected "<name> <base64 signature>"`);
  const name = rest.slice(0, space);
  if (!isValidNoteKeyName(name)) {
    throw new InvalidArgumentError(`${what}: invalid key name ${JSON.stringify(name)}`);
  }
  const bytes = decodeCanonicalBase64(rest.slice(space + 1), what);
  if (bytes.length < 5) {
    throw new InvalidArgumentError(`${what}: signature must hold a 4-byte key ID and at least one byte`);
  }
  return { name, keyId: bytes.readUInt32BE(0), signature: bytes.subarray(4) };
}

/** Parses a signed note without verifying it. Throws InvalidArgumentError naming the first problem. */
export function parseNote(noteText: string | Uint8Array): ParsedNote {
  const note = typeof noteText === 'string' ? noteText : decodeUtf8(noteText);
  assertNoteCharacters(note, 'signed note');
  // The text ends at the LAST blank line: the text may contain blank lines, signatures may not.
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw new InvalidArgumentError('signed note: no blank line before the signatures');
  const text = note.slice(0, split + 1);
  const block = note.slice(split + 2);
  if (block.length === 0) throw new InvalidArgumentError('signed note: no signature lines');
  if (!block.endsWith('\n'))
    throw new InvalidArgumentError('signed note: last signature line must end with a newline');
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_NOTE_SIGNATURES) {
    throw new InvalidArgumentError(
      `signed note: ${lines.length} signatures, more than ${MAX_NOTE_SIGNATURES}`,
    );
  }
  return { text, signatures: lines.map((line, i) => parseSignatureLine(line, i + 1)) };
}

/**
 * Parses and verifies a note. Signatures whose (name, key ID) matches no verifier are ignored;
 * every signature from a known key must verify (else VerificationError), and at least one must.
 */
export function openNote(noteText: string | Uint8Array, verifiers: PublicKey[]): OpenedNote {
  const note = parseNote(noteText);
  const known = new Map<string, PublicKey>();
  for (const verifier of verifiers) {
    const label = keyLabel(verifier.name, noteKeyId(verifier.name, verifier.publicKey));
    const previous = known.get(label);
    if (previous && !Buffer.from(previous.publicKey).equals(Buffer.from(verifier.publicKey))) {
      throw new InvalidArgumentError(`verifiers: two different keys share the name and key ID ${label}`);
    }
    known.set(label, verifier);
  }
  const message = Buffer.from(note.text, 'utf8');
  const verifiedBy: string[] = [];
  for (const signature of note.signatures) {
    const label = keyLabel(signature.name, signature.keyId);
    const verifier = known.get(label);
    if (!verifier) continue;
    if (!verifyDetached(verifier, message, signature.signature)) {
      throw new VerificationError(`signed note: invalid signature for key ${label}`);
    }
    if (!verifiedBy.includes(verifier.name)) verifiedBy.push(verifier.name);
  }
  if (verifiedBy.length === 0) {
    const present = note.signatures.map((s) => keyLabel(s.name, s.keyId)).join(', ');
    const expected = [...known.keys()].join(', ') || 'none';
    throw new VerificationError(
      `signed note: no signature from a known key (signed by ${present}; known: ${expected})`,
    );
  }
  return { text: note.text, verifiedBy };
}

/** C2SP verifier key: `<name>+<8 hex digits key ID>+<base64(0x01 || 32-byte public key)>`. */
export function formatVerifierKey(key: PublicKey): string {
  assertNoteKeyName(key.name);
  const material = Buffer.concat([Uint8Array.of(ED25519_SIGNATURE_TYPE), key.publicKey]);
  return `${keyLabel(key.name, noteKeyId(key.name, key.publicKey))}+${material.toString('base64')}`;
}

/** Parses a C2SP Ed25519 verifier key, checking its key ID against the key material. */
export function parseVerifierKey(text: string): PublicKey {
  const trimmed = text.trim();
  const first = trimmed.indexOf('+');
  const second = first < 0 ? -1 : trimmed.indexOf('+', first + 1);
  if (second < 0) throw new InvalidArgumentError('verifier key: expected "<name>+<key ID hex>+<base64 key>"');
  const name = trimmed.slice(0, first);
  const idHex = trimmed.slice(first + 1, second);
  if (!isValidNoteKeyName(name))
    throw new InvalidArgumentError(`verifier key: invalid name ${JSON.stringify(name)}`);
  if (!/^[0-9a-f]{8}$/i.test(idHex))
    throw new InvalidArgumentError('verifier key: key ID must be 8 hex digits');
  const material = decodeCanonicalBase64(trimmed.slice(second + 1), 'verifier key');
  if (material[0] !== ED25519_SIGNATURE_TYPE) {
    const type = material.length === 0 ? 'none' : `0x${material[0]!.toString(16).padStart(2, '0')}`;
    throw new InvalidArgumentError(`verifier key: unsupported signature type ${type} (only 0x01, Ed25519)`);
  }
  if (material.length !== 33) {
    throw new InvalidArgumentError(
      `verifier key: expected a 32-byte Ed25519 key, got ${material.length - 1} bytes`,
    );
  }
  const key: PublicKey = { name, publicKey: new Uint8Array(material.subarray(1)) };
  if (noteKeyId(name, key.publicKey) !== Number.parseInt(idHex, 16)) {
    throw new InvalidArgumentError(`verifier key: key ID ${idHex} does not match the name and key`);
  }
  return key;
}

/**
 * A log's public key as text: Nix's `name:base64` form or a C2SP verifier key `name+keyid+base64`
 * (the form Go's sumdb/note tools print). Nix keys always contain ":", verifier keys never do.
 */
export function parsePublicKeyText(text: string): PublicKey {
  return text.includes(':') ? parsePublicKey(text) : parseVerifierKey(text);
}
