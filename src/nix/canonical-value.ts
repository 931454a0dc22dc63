import { sha256 } from '../crypto/sha256.js';
import { InvalidArgumentError } from '../errors.js';
import { normalizeContentAddress } from './content-address.js';
import { parseDecimal } from './decimal.js';
import { normalizeNarHash } from './nar-hash.js';
import { compareBytewise, DEFAULT_STORE_DIR, parseStorePath, parseStorePathBaseName } from './store-path.js';

/**
 * THE canonical value of a Nix build output: the bytes a builder logs for a key, whose SHA-256 is
 * the value digest builders must agree on. UTF-8 (in fact ASCII), LF after every line, no BOM:
 *
 *   tally-nix-output/v1
 *   StorePath: <storeDir>/<hash>-<name>
 *   NarHash: sha256:<52 nix32>
 *   NarSize: <decimal, > 0, no leading zeros>
 *   References:[ <basename>]*      basenames sorted bytewise, no duplicates
 *   CA:[ <content address>]        at most one, normal form (see content-address.ts)
 *
 * A list line is its key and colon followed by one " <item>" per item, so an empty list is the
 * bare "References:" / "CA:" with no trailing space. docs/PROTOCOL.md, "Nix entries" is the normative text.
 */
export interface NixOutput {
  /** Full store path, e.g. /nix/store/<hash>-<name>. */
  storePath: string;
  /** `sha256:<nix32>` (other forms are normalised on encode). */
  narHash: string;
  narSize: number;
  /** Store path basenames `<hash>-<name>`, possibly including the output itself. */
  references: string[];
  ca?: string;
}

export interface NixValueOptions {
  storeDir?: string;
}

export const NIX_VALUE_HEADER = 'tally-nix-output/v1';
/** Same bound as a narinfo: any output whose narinfo Nix can fetch from us fits. */
export const MAX_NIX_VALUE_BYTES = 64 * 1024;

const LINE_KEYS = ['StorePath', 'NarHash', 'NarSize', 'References', 'CA'] as const;

function assertNarSize(n: number): void {
  if (!Number.isSafeInteger(n) || n <= 0) {
    throw new InvalidArgumentError(`NarSize: ${n} is not a positive safe integer`);
  }
}

/** Validates an output and returns its canonical form (sorted references, normalised hashes). */
export function normalizeNixOutput(output: NixOutput, options: NixValueOptions = {}): NixOutput {
  const storeDir = options.storeDir ?? DEFAULT_STORE_DIR;
  parseStorePath(output.storePath, storeDir);
  assertNarSize(output.narSize);
  for (const ref of output.references) parseStorePathBaseName(ref, storeDir);
  const references = [...output.references].sort(compareBytewise);
  for (let i = 1; i < references.length; i++) {
    if (references[i] === references[i - 1]) {
      throw new InvalidArgumentError(`References: ${references[i]} is listed twice`);
    }
  }
  const normalized: NixOutput = {
    storePath: output.storePath,
    narHash: normalizeNarHash(output.narHash),
    narSize: output.narSize,
    references,
  };
  if (output.ca !== undefined) normalized.ca = normalizeContentAddress(output.ca);
  return normalized;
}

function render(o: NixOutput): string {
  return (
    `${NIX_VALUE_HEADER}\n` +
    `StorePath: ${o.storePath}\n` +
    `NarHash: ${o.narHash}\n` +
    `NarSize: ${o.narSize}\n` +
    `References:${o.references.map((r) => ' ' + r).join('')}\n` +
    `CA:${o.ca === undefined ? '' : ' ' + o.ca}\n`
  );
}

export function encodeNixValue(output: NixOutput, options: NixValueOptions = {}): Buffer {
  const bytes = Buffer.from(render(normalizeNixOutput(output, options)), 'utf8');
  if (bytes.length > MAX_NIX_VALUE_BYTES) {
    throw new InvalidArgumentError(`nix value is ${bytes.length} bytes, more than ${MAX_NIX_VALUE_BYTES}`);
  }
  return bytes;
}

/** The value digest builders agree on: SHA-256 of the canonical encoding. */
export function nixValueDigest(output: NixOutput, options: NixValueOptions = {}): Buffer {
  return sha256(encodeNixValue(output, options));
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Strict inverse of `encodeNixValue`: accepts exactly the bytes it produces. */
export function decodeNixValue(bytes: Uint8Array, options: NixValueOptions = {}): NixOutput {
  if (bytes.length > MAX_NIX_VALUE_BYTES) {
    throw new InvalidArgumentError(`nix value is ${bytes.length} bytes, more than ${MAX_NIX_VALUE_BYTES}`);
  }
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new InvalidArgumentError('nix value is not valid UTF-8');
  }
  if (!text.endsWith('\n')) throw new InvalidArgumentError('nix value must end with a line feed');
  const lines = text.slice(0, -1).split('\n');
  if (lines[0] !== NIX_VALUE_HEADER) {
    throw new InvalidArgumentError(`nix value line 1 must be ${JSON.stringify(NIX_VALUE_HEADER)}`);
  }
  if (lines.length !== LINE_KEYS.length + 1) {
    throw new InvalidArgumentError(`nix value has ${lines.length} lines, expected ${LINE_KEYS.length + 1}`);
  }
  const fields = LINE_KEYS.map((key, i) => {
    const line = lines[i + 1]!;
    if (!line.startsWith(key + ':')) {
      throw new InvalidArgumentError(`nix value line ${i + 2} must start with "${key}:"`);
    }
    const rest = line.slice(key.length + 1);
    if (rest !== '' && !rest.startsWith(' ')) {
      throw new InvalidArgumentError(`nix value line ${i + 2}: "${key}:" must be followed by a space`);
    }
    return rest.slice(1);
  });
  const [storePath, narHash, narSize, references, ca] = fields as [string, string, string, string, string];
  const decoded: NixOutput = {
    storePath,
    narHash,
    narSize: parseDecimal(narSize, 'NarSize'),
    references: references === '' ? [] : references.split(' '),
  };
  if (ca !== '') decoded.ca = ca;
  const canonical = normalizeNixOutput(decoded, options);
  if (render(canonical) !== text) {
    throw new InvalidArgumentError(
      'nix value is not in canonical form (NarHash must be sha256:<nix32>, references sorted and single-spaced, CA normalised)',
    );
  }
  return canonical;
}
