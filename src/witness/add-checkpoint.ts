import { TallyError } from '../errors.js';
import type { PublicKey } from '../crypto/ed25519-keys.js';
import { decodeCanonicalBase64, openNote, parseNote } from '../crypto/signed-note.js';
import { packHashes } from '../crypto/hash-list.js';
import { parseTlogCheckpointBody, type TlogCheckpoint } from '../checkpoint/checkpoint.js';
import { EMPTY_ROOT, verifyConsistency } from '../log/index.js';

/**
 * The check of C2SP tlog-witness `add-checkpoint` (https://c2sp.org/tlog-witness), pure: the
 * request body, the witness's trusted keys for the origin and its latest cosigned checkpoint in,
 * the HTTP status and what to record out. The caller runs it and applies the update atomically.
 *
 *   body = "old <size>\n" (<base64 hash>\n){0,63} "\n" <checkpoint note>
 */

/** At most this many consistency proof lines (the spec: "MUST NOT send more than 63"). */
export const MAX_PROOF_LINES = 63;

export interface AddCheckpointRequest {
  oldSize: number;
  proof: Buffer[];
  /** The submitted checkpoint note, every signature line included. */
  note: string;
  /** Its parsed body (read before the signature is checked: only the origin is used until then). */
  checkpoint: TlogCheckpoint;
  /** The note text (body) that is signed and cosigned. */
  text: string;
}

/** The latest checkpoint a witness cosigned for an origin, as it keeps it. */
export interface CosignedCheckpoint {
  size: number;
  rootHash: Buffer;
  /** The checkpoint note as it was submitted (the log's signature included), for evidence. */
  note: string;
}

export type AddCheckpointOutcome =
  /** Cosign `request.text`, and record `next` as the origin's latest cosigned checkpoint. */
  | { status: 200; next: CosignedCheckpoint }
  | { status: 400 | 403 | 404 | 422; message: string; evidence?: WitnessEvidenceKind }
  /** The body is the latest cosigned size (Content-Type text/x.tlog.size). */
  | { status: 409; latestSize: number; message: string; evidence?: WitnessEvidenceKind };

/**
 * Why a request is kept as evidence: its checkpoint verified under the log's key but `fork`
 * (same size as the latest cosigned, another root) or `inconsistent` (the proof from the latest
 * cosigned checkpoint to it failed). A stale `old` is the protocol's normal 409, never evidence.
 */
export type WitnessEvidenceKind = 'fork' | 'inconsistent';

class MalformedRequest extends TallyError {
  constructor(message: string) {
    super('INVALID_ARGUMENT', `add-checkpoint: ${message}`);
  }
}

const OLD_LINE = /^old (0|[1-9][0-9]*)$/;

/** Parses the body; throws a TallyError (INVALID_ARGUMENT, so HTTP 400) naming what is wrong. */
export function parseAddCheckpointBody(body: Uint8Array): AddCheckpointRequest {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(body);
  } catch {
    throw new MalformedRequest('the body is not valid UTF-8');
  }
  const firstNewline = text.indexOf('\n');
  if (firstNewline < 0) throw new MalformedRequest('expected an "old <size>" line ending in a newline');
  const match = OLD_LINE.exec(text.slice(0, firstNewline));
  if (!match) {
    throw new MalformedRequest(
      `the first line must be "old <size>" (decimal, no leading zeros), got ${JSON.stringify(text.slice(0, Math.min(firstNewline, 80)))}`,
    );
  }
  const oldSize = Number(match[1]);
  if (!Number.isSafeInteger(oldSize)) throw new MalformedRequest(`old size ${match[1]} is too large`);
  const proof: Buffer[] = [];
  let at = firstNewline + 1;
  for (;;) {
    const end = text.indexOf('\n', at);
    if (end < 0) throw new MalformedRequest('no empty line after the consistency proof lines');
    if (end === at) break;
    if (proof.length === MAX_PROOF_LINES) {
      throw new MalformedRequest(`more than ${MAX_PROOF_LINES} consistency proof lines`);
    }
    const hash = decodeCanonicalBase64(text.slice(at, end), `consistency proof line ${proof.length + 1}`);
    if (hash.length !== 32) {
      throw new MalformedRequest(
        `consistency proof line ${proof.length + 1} is ${hash.length} bytes, not a 32-byte hash`,
      );
    }
    proof.push(hash);
    at = end + 1;
  }
  const note = text.slice(at + 1);
  const parsed = parseNote(note);
  return { oldSize, proof, note, checkpoint: parseTlogCheckpointBody(parsed.text), text: parsed.text };
}

function verifiesUnder(request: AddCheckpointRequest, keys: readonly PublicKey[]): boolean {
  try {
    openNote(request.note, [...keys]);
    return true;
  } catch (err) {
    if (err instanceof TallyError) return false;
    throw err;
  }
}

/**
 * The spec's checks, in its order. `trustedKeys` is undefined for an unknown origin; `latest`
 * is undefined when nothing was cosigned for it yet (then the latest size is 0).
 */
export function checkAddCheckpoint(
  request: AddCheckpointRequest,
  trustedKeys: readonly PublicKey[] | undefined,
  latest: CosignedCheckpoint | undefined,
): AddCheckpointOutcome {
  const { checkpoint, oldSize, proof } = request;
  if (trustedKeys === undefined) {
    return { status: 404, message: `unknown origin ${JSON.stringify(checkpoint.origin.slice(0, 200))}` };
  }
  // Signature lines from unknown keys are ignored; one bad signature by a trusted key refuses it.
  if (!verifiesUnder(request, trustedKeys)) {
    return { status: 403, message: `no signature by a trusted key of ${checkpoint.origin} verifies` };
  }
  if (oldSize > checkpoint.size) {
    return {
      status: 400,
      message: `old size ${oldSize} is larger than the checkpoint size ${checkpoint.size}`,
    };
  }
  const latestSize = latest?.size ?? 0;
  if (oldSize !== latestSize) {
    return {
      status: 409,
      latestSize,
      message: `old size ${oldSize} is not the latest cosigned size ${latestSize}`,
    };
  }
  const latestRoot = latest?.rootHash ?? EMPTY_ROOT;
  if (oldSize === checkpoint.size) {
    if (proof.length > 0) {
      return { status: 422, message: `a proof between equal sizes must be empty, got ${proof.length} lines` };
    }
    if (!latestRoot.equals(checkpoint.rootHash)) {
      return {
        status: 409,
        latestSize,
        message: `size ${latestSize} was cosigned with another root hash`,
        ...(latest ? { evidence: 'fork' as const } : {}),
      };
    }
  } else {
    try {
      verifyConsistency(oldSize, checkpoint.size, latestRoot, checkpoint.rootHash, packHashes(proof));
    } catch (err) {
      if (!(err instanceof TallyError)) throw err;
      return { status: 422, message: err.message, ...(latest ? { evidence: 'inconsistent' as const } : {}) };
    }
  }
  return { status: 200, next: { size: checkpoint.size, rootHash: checkpoint.rootHash, note: request.note } };
}

/** The request body a client sends: `old <size>`, the proof from that size, an empty line, the note. */
export function formatAddCheckpointBody(oldSize: number, proof: readonly Uint8Array[], note: string): string {
  const lines = proof.map((hash) => `${Buffer.from(hash).toString('base64')}\n`).join('');
  return `old ${oldSize}\n${lines}\n${note}`;
}

/**
 * The witness's latest cosigned size from a 409's `text/x.tlog.size` body (a decimal and a
 * newline); throws a TallyError naming what is wrong otherwise.
 */
export function parseLatestSizeBody(body: string): number {
  const match = /^(0|[1-9][0-9]{0,15})\n?$/.exec(body);
  const size = match ? Number(match[1]) : NaN;
  if (!Number.isSafeInteger(size)) {
    throw new TallyError(
      'INVALID_ARGUMENT',
      `a text/x.tlog.size body must be a decimal size, got ${JSON.stringify(body.slice(0, 40))}`,
    );
  }
  return size;
}
