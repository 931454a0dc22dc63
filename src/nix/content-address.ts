import { InvalidArgumentError } from '../errors.js';
import {
  formatHashNix32,
  HASH_BYTES,
  parseBareDigest,
  parseHashJson,
  type HashAlgorithm,
} from './hash-text.js';

/**
 * Content addresses (the `CA` field) in the string form narinfo files and Nix 2.8's JSON use:
 *   text:sha256:<nix32>            text method (e.g. builtins.toFile)
 *   fixed:<algo>:<nix32>           flat file
 *   fixed:r:<algo>:<nix32>         NAR serialisation (recursive)
 *   fixed:git:<algo>:<nix32>       git tree hashing (newer Nix)
 * The digest is normalised to nix32 so builders running different Nix versions agree byte for byte.
 */
const WHAT = 'CA';

const METHOD_PREFIX: Readonly<Record<string, string>> = {
  text: 'text:',
  flat: 'fixed:',
  nar: 'fixed:r:',
  git: 'fixed:git:',
};

function render(prefix: string, algorithm: HashAlgorithm, digest: Buffer): string {
  if (prefix === 'text:' && algorithm !== 'sha256') {
    throw new InvalidArgumentError(`${WHAT}: the text method requires sha256, got ${algorithm}`);
  }
  return prefix + formatHashNix32({ algorithm, digest });
}

/** Validates a CA string and returns its normal form (digest in nix32). */
export function normalizeContentAddress(text: string): string {
  const parts = text.split(':');
  const [kind, method] = parts;
  const withMethod = kind === 'fixed' && (method === 'r' || method === 'git');
  const prefixLength = withMethod ? 2 : 1;
  if ((kind !== 'text' && kind !== 'fixed') || parts.length !== prefixLength + 2) {
    throw new InvalidArgumentError(
      `${WHAT}: ${JSON.stringify(text)} is not "text:sha256:<hash>" or "fixed:[r:|git:]<algorithm>:<hash>"`,
    );
  }
  const [algorithm, digest] = parts.slice(prefixLength) as [string, string];
  if (!Object.hasOwn(HASH_BYTES, algorithm)) {
    throw new InvalidArgumentError(`${WHAT}: unsupported hash algorithm ${JSON.stringify(algorithm)}`);
  }
  const alg = algorithm as HashAlgorithm;
  const prefix = parts.slice(0, prefixLength).join(':') + ':';
  return render(prefix, alg, parseBareDigest(alg, digest, WHAT));
}

/** The CA of a `nix path-info --json` entry: absent/null, a CA string, or `{method, hash}` (newer Nix). */
export function contentAddressFromJson(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return normalizeContentAddress(value);
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidArgumentError(`${WHAT}: expected null, a string or {method, hash}`);
  }
  const { method, hash } = value as Record<string, unknown>;
  const prefix =
    typeof method === 'string' && Object.hasOwn(METHOD_PREFIX, method) ? METHOD_PREFIX[method] : undefined;
  if (prefix === undefined)
    throw new InvalidArgumentError(`${WHAT}: unknown method ${JSON.stringify(method)}`);
  const parsed = parseHashJson(hash, WHAT);
  return render(prefix, parsed.algorithm, parsed.digest);
}
