import { InvalidArgumentError } from '../errors.js';
import { normalizeNixOutput, type NixOutput } from './canonical-value.js';
import { contentAddressFromJson } from './content-address.js';
import { formatNarHash, parseNarHashJson } from './nar-hash.js';
import {
  assertStoreDir,
  DEFAULT_STORE_DIR,
  formatStorePath,
  parseStorePath,
  parseStorePathBaseName,
  storePathBaseName,
  type StorePath,
} from './store-path.js';

/**
 * `nix path-info --json` -> NixOutput. Shapes accepted (pass the result of JSON.parse):
 *   Nix 2.8 .. 2.18: an ARRAY of entries `{path, narHash: "sha256-<b64>", narSize, references: [full
 *     paths], ca?: "fixed:r:sha256:..."}`; an invalid path prints `{path, valid: false}`.
 *   Nix 2.19+: an OBJECT keyed by store path, value the entry without `path` (null when invalid).
 *   Newer JSON v2/v3 (`version`, `storeDir`): basenames instead of full paths, `ca` as
 *     `{method, hash}`, hashes possibly as `{algorithm, format, hash}`.
 * Impure fields (deriver, registrationTime, signatures, ultimate) are ignored: they are not part
 * of what builders agree on.
 */
export interface PathInfoOptions {
  /** Store dir of the paths; an entry's own `storeDir` must agree with it. Default /nix/store. */
  storeDir?: string;
}

function parsePathOrBaseName(text: unknown, storeDir: string, what: string): StorePath {
  if (typeof text !== 'string') throw new InvalidArgumentError(`${what}: expected a store path string`);
  return text.startsWith('/') ? parseStorePath(text, storeDir) : parseStorePathBaseName(text, storeDir);
}

function entryStoreDir(entry: Record<string, unknown>, options: PathInfoOptions): string {
  const storeDir =
    options.storeDir ?? (typeof entry.storeDir === 'string' ? entry.storeDir : DEFAULT_STORE_DIR);
  if (entry.storeDir !== undefined && entry.storeDir !== storeDir) {
    throw new InvalidArgumentError(`path-info storeDir ${JSON.stringify(entry.storeDir)} is not ${storeDir}`);
  }
  assertStoreDir(storeDir);
  return storeDir;
}

/**
 * One entry of `nix path-info --json`. `path` is the entry's store path (full or basename) when
 * the entry itself has none, as in the keyed-object shape.
 */
export function nixOutputFromPathInfo(
  entry: unknown,
  path?: string,
  options: PathInfoOptions = {},
): NixOutput {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    throw new InvalidArgumentError(`path-info entry${path ? ` for ${path}` : ''} is not an object`);
  }
  const e = entry as Record<string, unknown>;
  const storeDir = entryStoreDir(e, options);
  const rawPath = e.path ?? path;
  const storePath = formatStorePath(parsePathOrBaseName(rawPath, storeDir, 'path-info path'));
  if (
    path !== undefined &&
    e.path !== undefined &&
    formatStorePath(parsePathOrBaseName(path, storeDir, 'path-info key')) !== storePath
  ) {
    throw new InvalidArgumentError(`path-info entry under ${path} describes ${storePath}`);
  }
  const where = `path-info ${storePath}`;
  if (e.valid === false) throw new InvalidArgumentError(`${where}: Nix reports the path as not valid`);
  try {
    if (typeof e.narSize !== 'number') throw new InvalidArgumentError('narSize must be a number');
    if (!Array.isArray(e.references)) throw new InvalidArgumentError('references must be an array');
    const output: NixOutput = {
      storePath,
      narHash: formatNarHash(parseNarHashJson(e.narHash)),
      narSize: e.narSize,
      references: e.references.map((r) => storePathBaseName(parsePathOrBaseName(r, storeDir, 'reference'))),
    };
    const ca = contentAddressFromJson(e.ca);
    if (ca !== undefined) output.ca = ca;
    return normalizeNixOutput(output, { storeDir });
  } catch (err) {
    throw new InvalidArgumentError(`${where}: ${(err as Error).message}`);
  }
}

/** Every entry of a `nix path-info --json` result, in the order Nix printed them. */
export function nixOutputsFromPathInfoJson(json: unknown, options: PathInfoOptions = {}): NixOutput[] {
  if (Array.isArray(json)) return json.map((entry) => nixOutputFromPathInfo(entry, undefined, options));
  if (typeof json === 'object' && json !== null) {
    return Object.entries(json).map(([path, entry]) => {
      if (entry === null)
        throw new InvalidArgumentError(`path-info ${path}: Nix reports the path as not valid`);
      return nixOutputFromPathInfo(entry, path, options);
    });
  }
  throw new InvalidArgumentError(
    'nix path-info --json output must be an array or an object keyed by store path',
  );
}
