import { decodeNixBase32, encodeNixBase32, nixBase32Length } from '../crypto/nix-base32.js';
import { InvalidArgumentError } from '../errors.js';

/**
 * Hashes as Nix writes them in text: `<algo>:<hex | nix32 | base64>` (the encoding is told apart by
 * length) or SRI `<algo>-<base64>`, plus the structured JSON `{algorithm, format, hash}` of newer
 * Nix. Everything tally stores uses one normal form, `<algo>:<nix32>`, as Nix prints narinfos.
 */
export type HashAlgorithm = 'md5' | 'sha1' | 'sha256' | 'sha512';

export const HASH_BYTES: Readonly<Record<HashAlgorithm, number>> = {
  md5: 16,
  sha1: 20,
  sha256: 32,
  sha512: 64,
};

export interface ParsedHash {
  algorithm: HashAlgorithm;
  digest: Buffer;
}

type Encoding = 'base16' | 'nix32' | 'base64';

function isAlgorithm(name: string): name is HashAlgorithm {
  return Object.hasOwn(HASH_BYTES, name);
}

function base64Length(bytes: number): number {
  return 4 * Math.ceil(bytes / 3);
}

function decodeBase64Strict(text: string, what: string): Buffer {
  const bytes = Buffer.from(text, 'base64');
  // Buffer.from skips foreign characters silently; a re-encode pins the exact spelling.
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || bytes.toString('base64') !== text) {
    throw new InvalidArgumentError(`${what}: ${JSON.stringify(text)} is not canonical base64`);
  }
  return bytes;
}

function decodeDigest(
  algorithm: HashAlgorithm,
  encoded: string,
  encodings: Encoding[],
  what: string,
): Buffer {
  const size = HASH_BYTES[algorithm];
  if (encodings.includes('base16') && encoded.length === size * 2) {
    if (!/^[0-9a-fA-F]+$/.test(encoded))
      throw new InvalidArgumentError(`${what}: invalid hexadecimal digest`);
    return Buffer.from(encoded, 'hex');
  }
  if (encodings.includes('nix32') && encoded.length === nixBase32Length(size)) {
    try {
      return decodeNixBase32(encoded);
    } catch (e) {
      throw new InvalidArgumentError(`${what}: ${(e as Error).message}`);
    }
  }
  if (encodings.includes('base64') && encoded.length === base64Length(size)) {
    return decodeBase64Strict(encoded, what);
  }
  const lengths: Record<Encoding, number> = {
    base16: size * 2,
    nix32: nixBase32Length(size),
    base64: base64Length(size),
  };
  const expected = encodings.map((e) => `${lengths[e]} (${e})`).join(' or ');
  throw new InvalidArgumentError(
    `${what}: ${algorithm} digest has ${encoded.length} characters, expected ${expected}`,
  );
}

function algorithmOf(name: string, what: string): HashAlgorithm {
  if (!isAlgorithm(name)) {
    throw new InvalidArgumentError(`${what}: unsupported hash algorithm ${JSON.stringify(name)}`);
  }
  return name;
}

/** Parses `<algo>:<hex|nix32|base64>` or SRI `<algo>-<base64>`. */
export function parseHashText(text: string, what: string): ParsedHash {
  const match = /^([a-z0-9]+)([:-])(.*)$/.exec(text);
  if (!match) {
    throw new InvalidArgumentError(
      `${what}: ${JSON.stringify(text)} is not "<algorithm>:<digest>" or SRI "<algorithm>-<base64>"`,
    );
  }
  const algorithm = algorithmOf(match[1]!, what);
  const encodings: Encoding[] = match[2] === '-' ? ['base64'] : ['base16', 'nix32', 'base64'];
  return { algorithm, digest: decodeDigest(algorithm, match[3]!, encodings, what) };
}

/** Parses a digest given without its algorithm prefix (as in a CA string after `sha256:`). */
export function parseBareDigest(algorithm: HashAlgorithm, encoded: string, what: string): Buffer {
  return decodeDigest(algorithm, encoded, ['base16', 'nix32', 'base64'], what);
}

const JSON_FORMATS: Readonly<Record<string, Encoding>> = {
  base16: 'base16',
  nix32: 'nix32',
  base32: 'nix32',
  base64: 'base64',
};

/** Parses a hash from `nix ... --json`: a text form, or `{algorithm, format, hash}`. */
export function parseHashJson(value: unknown, what: string): ParsedHash {
  if (typeof value === 'string') return parseHashText(value, what);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidArgumentError(`${what}: expected a hash string or {algorithm, format, hash}`);
  }
  const { algorithm, format, hash } = value as Record<string, unknown>;
  if (typeof algorithm !== 'string' || typeof hash !== 'string') {
    throw new InvalidArgumentError(`${what}: hash object needs string "algorithm" and "hash"`);
  }
  if (format === 'sri') {
    const parsed = parseHashText(hash, what);
    if (parsed.algorithm !== algorithm) {
      throw new InvalidArgumentError(
        `${what}: algorithm ${algorithm} disagrees with SRI hash ${parsed.algorithm}`,
      );
    }
    return parsed;
  }
  const encoding = typeof format === 'string' ? JSON_FORMATS[format] : undefined;
  if (encoding === undefined)
    throw new InvalidArgumentError(`${what}: unknown hash format ${JSON.stringify(format)}`);
  const alg = algorithmOf(algorithm, what);
  return { algorithm: alg, digest: decodeDigest(alg, hash, [encoding], what) };
}

/** The normal form `<algo>:<nix32>`. */
export function formatHashNix32(hash: ParsedHash): string {
  return `${hash.algorithm}:${encodeNixBase32(hash.digest)}`;
}
