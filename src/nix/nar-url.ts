import { encodeNixBase32 } from '../crypto/nix-base32.js';
import { InvalidArgumentError } from '../errors.js';
import { formatNarHash, parseNarHash } from './nar-hash.js';
import { keyFromHashPart, parseStorePath } from './store-path.js';

/**
 * The NAR URL the proxy writes into its narinfos, in harmonia's shape:
 *   nar/<NarHash as 52 nix32>.nar?hash=<store path hash part>
 * Relative, so Nix resolves it against the substituter URL. The NarHash names the bytes; the
 * `hash` query names the key, so the proxy can serve the NAR from its decision for that key
 * without keeping a NarHash -> path index. `.nar` with no suffix: we serve it uncompressed.
 */
export function proxyNarUrl(narHash: string, storePath: string, storeDir?: string): string {
  const hashPart = parseStorePath(storePath, storeDir).hashPart;
  return `nar/${encodeNixBase32(parseNarHash(narHash))}.nar?hash=${hashPart}`;
}

export interface ProxyNarRequest {
  /** `sha256:<nix32>`. */
  narHash: string;
  hashPart: string;
  key: Buffer;
}

/** Parses a request path such as `/nar/<nix32>.nar?hash=<hash part>` back into what it names. */
export function parseProxyNarUrl(url: string): ProxyNarRequest {
  const where = `NAR URL ${JSON.stringify(url.slice(0, 200))}`;
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const match = /^\/?nar\/([0-9a-z]{52})\.nar$/.exec(path);
  if (!match) throw new InvalidArgumentError(`${where}: expected nar/<52-character nix32 NarHash>.nar`);
  const query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
  const hashes = query.getAll('hash');
  if (hashes.length !== 1 || [...query.keys()].length !== 1) {
    throw new InvalidArgumentError(`${where}: expected exactly one query parameter, hash=<store path hash>`);
  }
  try {
    const hashPart = hashes[0]!;
    return {
      narHash: formatNarHash(parseNarHash(`sha256:${match[1]}`)),
      hashPart,
      key: keyFromHashPart(hashPart),
    };
  } catch (e) {
    throw new InvalidArgumentError(`${where}: ${(e as Error).message}`);
  }
}
