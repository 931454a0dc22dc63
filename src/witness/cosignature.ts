import { InvalidArgumentError } from '../errors.js';
import { signDetached, verifyDetached, type PublicKey, type SecretKey } from '../crypto/ed25519-keys.js';
import { sha256Concat } from '../crypto/sha256.js';
import { isValidNoteKeyName, type NoteSignature } from '../crypto/signed-note.js';

/**
 * C2SP tlog-cosignature v1 with Ed25519 (https://c2sp.org/tlog-cosignature), byte for byte:
 *
 *   signature line  "— <cosigner name> base64(key ID (4 bytes, big-endian) || timestamp (8 bytes,
 *                   big-endian) || Ed25519 signature (64 bytes))\n"
 *   key ID          SHA-256(<name> || "\n" || 0x04 || 32-byte public key)[:4]
 *   signed message  "cosignature/v1\n" || "time <timestamp, decimal>\n" || <the checkpoint's note text>
 *
 * The note text is the whole body, extension lines included, without the blank line or any
 * signature line. A cosignature says: as of `timestamp`, this is the largest tree head consistent
 * with everything the cosigner has seen for the origin.
 */

/** The signed-note signature type byte of timestamped Ed25519 cosignatures. */
export const COSIGNATURE_V1_TYPE = 0x04;

const HEADER = 'cosignature/v1\n';
const TIMESTAMP_BYTES = 8;
const ED25519_SIGNATURE_BYTES = 64;
/** Bytes after the key ID: timestamp || signature. */
const COSIGNATURE_BYTES = TIMESTAMP_BYTES + ED25519_SIGNATURE_BYTES;
const MAX_TIMESTAMP = 2n ** 63n - 1n;
const SIGNATURE_PREFIX = '\u2014 ';

/** A cosignature whose name and key ID match a cosigner key, and whose signature verified. */
export interface VerifiedCosignature {
  /** The cosigner's (witness's) name. */
  name: string;
  /** When the cosigner signed, POSIX seconds (exact up to 2^53; the spec allows up to 2^63-1). */
  timestamp: number;
}

/** SHA-256(name || "\n" || 0x04 || publicKey)[:4] as a uint32. */
export function cosignatureKeyId(name: string, publicKey: Uint8Array): number {
  return sha256Concat(
    Buffer.from(`${name}\n`, 'utf8'),
    Uint8Array.of(COSIGNATURE_V1_TYPE),
    publicKey,
  ).readUInt32BE(0);
}

function timestampBigInt(timestamp: number | bigint): bigint {
  const value =
    typeof timestamp === 'bigint' ? timestamp : Number.isSafeInteger(timestamp) ? BigInt(timestamp) : -1n;
  if (value < 0n || value > MAX_TIMESTAMP) {
    throw new InvalidArgumentError(`cosignature timestamp ${timestamp} is not an integer in 0..2^63-1`);
  }
  return value;
}

/** The exact bytes a v1 cosignature signs over `noteText` (which ends in "\n"). */
export function cosignatureMessage(noteText: string, timestamp: number | bigint): Buffer {
  if (!noteText.endsWith('\n')) throw new InvalidArgumentError('cosigned note text: must end with a newline');
  return Buffer.from(`${HEADER}time ${timestampBigInt(timestamp)}\n${noteText}`, 'utf8');
}

/**
 * Cosigns a checkpoint's note text (the body only: see parseNote) at `timestamp` (POSIX seconds)
 * and returns the signature line, ending in "\n". The caller decides that the checkpoint deserves it.
 */
export function cosignatureLine(noteText: string, key: SecretKey, timestamp: number): string {
  if (!isValidNoteKeyName(key.name)) {
    throw new InvalidArgumentError(`cosigner name ${JSON.stringify(key.name)} cannot sign notes`);
  }
  const bytes = Buffer.alloc(4 + TIMESTAMP_BYTES);
  bytes.writeUInt32BE(cosignatureKeyId(key.name, key.publicKey), 0);
  bytes.writeBigUInt64BE(timestampBigInt(timestamp), 4);
  const signature = signDetached(key, cosignatureMessage(noteText, timestamp));
  return `${SIGNATURE_PREFIX}${key.name} ${Buffer.concat([bytes, signature]).toString('base64')}\n`;
}

/** True when a note signature line claims to be a v1 cosignature by `key` (name and key ID match). */
export function isCosignatureBy(signature: NoteSignature, key: PublicKey): boolean {
  return signature.name === key.name && signature.keyId === cosignatureKeyId(key.name, key.publicKey);
}

/**
 * Verifies a signature line (as parseNote returns it) as a v1 cosignature by `key` over `noteText`.
 * Returns its timestamp, or undefined when the name or key ID is another key's, or when the
 * bytes are not a timestamped signature by `key`.
 */
export function verifyCosignature(
  noteText: string,
  signature: NoteSignature,
  key: PublicKey,
): VerifiedCosignature | undefined {
  if (!isCosignatureBy(signature, key) || signature.signature.length !== COSIGNATURE_BYTES) return undefined;
  const timestamp = signature.signature.readBigUInt64BE(0);
  if (timestamp > MAX_TIMESTAMP) return undefined;
  const message = cosignatureMessage(noteText, timestamp);
  if (!verifyDetached(key, message, signature.signature.subarray(TIMESTAMP_BYTES))) return undefined;
  return { name: key.name, timestamp: Number(timestamp) };
}
