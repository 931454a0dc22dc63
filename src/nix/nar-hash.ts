import { encodeNixBase32 } from '../crypto/nix-base32.js';
import { DIGEST_LENGTH } from '../crypto/sha256.js';
import { InvalidArgumentError } from '../errors.js';
import { parseHashJson, parseHashText, type ParsedHash } from './hash-text.js';

/**
 * NarHash: the SHA-256 of a store path's NAR serialisation. Nix prints it as `sha256:<52 nix32>`
 * (narinfo, `nix-store -q --hash`), SRI `sha256-<base64>` (`nix path-info --json`) or
 * `sha256:<64 hex>`; tally's normal form is `sha256:<nix32>`, as in narinfo files.
 */
const WHAT = 'NarHash';

function sha256Only(parsed: ParsedHash): Buffer {
  if (parsed.algorithm !== 'sha256') {
    throw new InvalidArgumentError(`${WHAT}: algorithm must be sha256, got ${parsed.algorithm}`);
  }
  return parsed.digest;
}

/** The 32 raw digest bytes of a NarHash in any form Nix prints. */
export function parseNarHash(text: string): Buffer {
  return sha256Only(parseHashText(text, WHAT));
}

/** Like `parseNarHash`, also accepting the structured hash of newer `nix path-info --json`. */
export function parseNarHashJson(value: unknown): Buffer {
  return sha256Only(parseHashJson(value, WHAT));
}

export function formatNarHash(digest: Uint8Array): string {
  if (digest.length !== DIGEST_LENGTH) {
    throw new InvalidArgumentError(`${WHAT}: digest must be ${DIGEST_LENGTH} bytes, got ${digest.length}`);
  }
  return `sha256:${encodeNixBase32(digest)}`;
}

export function normalizeNarHash(text: string): string {
  return formatNarHash(parseNarHash(text));
}

/** The bare 52-character nix32 digest, as used in NAR URLs. */
export function narHashNix32(text: string): string {
  return encodeNixBase32(parseNarHash(text));
}
