import { InvalidArgumentError } from '../errors.js';
import type { PublicKey } from '../crypto/ed25519-keys.js';
import { decodeCanonicalBase64, isValidNoteKeyName } from '../crypto/signed-note.js';
import { COSIGNATURE_V1_TYPE, cosignatureKeyId } from './cosignature.js';

/**
 * A witness's public key, in either of two text forms:
 *   - tally's key file form, `<name>:<base64 32-byte Ed25519 public key>` (as `<name>.public` holds it);
 *   - the C2SP verifier key ("vkey") form for cosigners, `<name>+<8 hex key ID>+<base64(0x04 || key)>`
 *     (tlog-cosignature: "Ed25519 public keys MAY be encoded as vkeys with signature type 0x04").
 * The name is the witness's name, a note key name: non-empty, no spaces, no "+". Unlike log key
 * names it may hold "/" (`witness.example.com/w1`), as the public witness network's names do.
 */
export function parseWitnessKey(text: string): PublicKey {
  const trimmed = text.trim();
  const plus = trimmed.indexOf('+');
  const colon = trimmed.indexOf(':');
  return plus >= 0 && (colon < 0 || plus < colon)
    ? parseCosignerVerifierKey(trimmed)
    : parseNamedKey(trimmed);
}

function checkName(name: string, what: string): void {
  if (!isValidNoteKeyName(name)) {
    throw new InvalidArgumentError(
      `${what}: invalid witness name ${JSON.stringify(name)} (no spaces or "+")`,
    );
  }
}

function parseNamedKey(text: string): PublicKey {
  const what = 'witness key';
  const colon = text.indexOf(':');
  if (colon <= 0) throw new InvalidArgumentError(`${what}: expected "name:base64" or a verifier key`);
  const name = text.slice(0, colon);
  checkName(name, what);
  const key = decodeCanonicalBase64(text.slice(colon + 1), what);
  if (key.length !== 32)
    throw new InvalidArgumentError(`${what}: expected a 32-byte Ed25519 key, got ${key.length}`);
  return { name, publicKey: new Uint8Array(key) };
}

function parseCosignerVerifierKey(text: string): PublicKey {
  const what = 'witness verifier key';
  // The base64 key may hold "+" itself: only the first two separate the fields.
  const first = text.indexOf('+');
  const second = text.indexOf('+', first + 1);
  if (second < 0) throw new InvalidArgumentError(`${what}: expected "<name>+<key ID hex>+<base64 key>"`);
  const [name, idHex, material] = [
    text.slice(0, first),
    text.slice(first + 1, second),
    text.slice(second + 1),
  ];
  checkName(name, what);
  if (!/^[0-9a-f]{8}$/.test(idHex))
    throw new InvalidArgumentError(`${what}: key ID must be 8 lowercase hex digits`);
  const bytes = decodeCanonicalBase64(material, what);
  if (bytes[0] !== COSIGNATURE_V1_TYPE) {
    const type = bytes.length === 0 ? 'none' : `0x${bytes[0]!.toString(16).padStart(2, '0')}`;
    throw new InvalidArgumentError(
      `${what}: signature type ${type}, expected 0x04 (timestamped Ed25519 cosignature)`,
    );
  }
  if (bytes.length !== 33) {
    throw new InvalidArgumentError(`${what}: expected a 32-byte Ed25519 key, got ${bytes.length - 1} bytes`);
  }
  const key: PublicKey = { name, publicKey: new Uint8Array(bytes.subarray(1)) };
  if (cosignatureKeyId(name, key.publicKey) !== Number.parseInt(idHex, 16)) {
    throw new InvalidArgumentError(`${what}: key ID ${idHex} does not match the name and key`);
  }
  return key;
}

/** The C2SP vkey of a witness key: `<name>+<key ID hex>+<base64(0x04 || public key)>`. */
export function formatWitnessVerifierKey(key: PublicKey): string {
  checkName(key.name, 'witness key');
  const id = cosignatureKeyId(key.name, key.publicKey).toString(16).padStart(8, '0');
  const material = Buffer.concat([Uint8Array.of(COSIGNATURE_V1_TYPE), key.publicKey]).toString('base64');
  return `${key.name}+${id}+${material}`;
}
