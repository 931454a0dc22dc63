import { InvalidArgumentError, VerificationError } from '../errors.js';
import type { PublicKey, SecretKey } from '../crypto/ed25519-keys.js';
import { decodeCanonicalBase64, openNote, signNote } from '../crypto/signed-note.js';
import { DIGEST_LENGTH } from '../crypto/sha256.js';

/**
 * A tally checkpoint: a C2SP tlog-checkpoint (https://c2sp.org/tlog-checkpoint) body with exactly
 * one extension line binding the sparse Merkle map root, signed as a C2SP signed note:
 *
 *   <origin>\n
 *   <tree size, decimal, no leading zeros>\n
 *   <base64 RFC 9162 log root, 32 bytes>\n
 *   map-root <base64 map root, 32 bytes>\n
 *
 * Any other extension line is rejected, so every checkpoint has exactly one encoding and a verifier
 * never accepts signed text it does not understand.
 */
export interface Checkpoint {
  origin: string;
  size: number;
  logRoot: Buffer;
  mapRoot: Buffer;
}

export const MAP_ROOT_PREFIX = 'map-root ';

const DECIMAL = /^(0|[1-9][0-9]*)$/;
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL_CHARACTER = /[\u0000-\u001f]/;

function assertOrigin(origin: string): void {
  if (origin.length === 0) throw new InvalidArgumentError('checkpoint origin: must not be empty');
  if (CONTROL_CHARACTER.test(origin)) {
    throw new InvalidArgumentError(
      `checkpoint origin: ${JSON.stringify(origin)} contains a newline or control character`,
    );
  }
}

function assertRoot(root: Uint8Array, what: string): void {
  if (root.length !== DIGEST_LENGTH) {
    throw new InvalidArgumentError(`checkpoint ${what}: expected ${DIGEST_LENGTH} bytes, got ${root.length}`);
  }
}

function parseRoot(text: string, what: string): Buffer {
  const root = decodeCanonicalBase64(text, `checkpoint ${what}`);
  assertRoot(root, what);
  return root;
}

export function formatCheckpointBody(cp: Checkpoint): string {
  assertOrigin(cp.origin);
  if (!Number.isSafeInteger(cp.size) || cp.size < 0) {
    throw new InvalidArgumentError(`checkpoint size: ${cp.size} is not a non-negative safe integer`);
  }
  assertRoot(cp.logRoot, 'log root');
  assertRoot(cp.mapRoot, 'map root');
  const logRoot = Buffer.from(cp.logRoot).toString('base64');
  const mapRoot = Buffer.from(cp.mapRoot).toString('base64');
  return `${cp.origin}\n${cp.size}\n${logRoot}\n${MAP_ROOT_PREFIX}${mapRoot}\n`;
}

/** Parses a checkpoint body (the note text). Throws InvalidArgumentError naming the bad line. */
export function parseCheckpointBody(text: string): Checkpoint {
  if (!text.endsWith('\n')) throw new InvalidArgumentError('checkpoint body: must end with a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 4) {
    throw new InvalidArgumentError(
      `checkpoint body: expected 4 lines (origin, size, log root, map-root), got ${lines.length}`,
    );
  }
  if (lines.length > 4) {
    throw new InvalidArgumentError(`checkpoint body: unexpected extension line ${JSON.stringify(lines[4])}`);
  }
  const [origin, sizeText, logRootText, mapRootLine] = lines as [string, string, string, string];
  assertOrigin(origin);
  const size = parseSize(sizeText);
  const logRoot = parseRoot(logRootText, 'log root');
  if (!mapRootLine.startsWith(MAP_ROOT_PREFIX)) {
    throw new InvalidArgumentError(
      `checkpoint body: line 4 must be "map-root <base64>", got ${JSON.stringify(mapRootLine)}`,
    );
  }
  const mapRoot = parseRoot(mapRootLine.slice(MAP_ROOT_PREFIX.length), 'map root');
  return { origin, size, logRoot, mapRoot };
}

/**
 * Any C2SP checkpoint body, as a witness sees the logs it cosigns: origin, size, root hash, then
 * opaque extension lines (tally's own `map-root` line is one). Sizes past 2^53-1 are refused.
 */
export interface TlogCheckpoint {
  origin: string;
  size: number;
  rootHash: Buffer;
  extensionLines: string[];
}

export function parseTlogCheckpointBody(text: string): TlogCheckpoint {
  if (!text.endsWith('\n')) throw new InvalidArgumentError('checkpoint body: must end with a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) {
    throw new InvalidArgumentError(
      `checkpoint body: expected at least 3 lines (origin, size, root hash), got ${lines.length}`,
    );
  }
  const [origin, sizeText, rootText, ...extensionLines] = lines as [string, string, string, ...string[]];
  assertOrigin(origin);
  const size = parseSize(sizeText);
  const rootHash = parseRoot(rootText, 'root hash');
  if (extensionLines.some((line) => line.length === 0)) {
    throw new InvalidArgumentError('checkpoint body: extension lines must not be empty');
  }
  return { origin, size, rootHash, extensionLines };
}

function parseSize(sizeText: string): number {
  if (!DECIMAL.test(sizeText)) {
    throw new InvalidArgumentError(
      `checkpoint size: ${JSON.stringify(sizeText)} is not a decimal without leading zeros`,
    );
  }
  const size = Number(sizeText);
  if (!Number.isSafeInteger(size))
    throw new InvalidArgumentError(`checkpoint size: ${sizeText} is too large`);
  return size;
}

/** Returns the signed note text of `cp`, signed by `key`. */
export function signCheckpoint(cp: Checkpoint, key: SecretKey): string {
  return signNote(formatCheckpointBody(cp), key);
}

/**
 * Verifies a checkpoint note against the log's public key, then parses its body (the text is not
 * looked at before the signature verifies). Other signatures (e.g. witnesses) are ignored.
 */
export function verifyCheckpoint(
  noteText: string | Uint8Array,
  verifier: PublicKey,
  expectedOrigin?: string,
): Checkpoint {
  const note = openNote(noteText, [verifier]);
  const cp = parseCheckpointBody(note.text);
  if (expectedOrigin !== undefined && cp.origin !== expectedOrigin) {
    throw new VerificationError(
      `checkpoint origin ${JSON.stringify(cp.origin)} does not match the expected ${JSON.stringify(expectedOrigin)}`,
    );
  }
  return cp;
}
