import { signDetached, verifyDetached, type PublicKey, type SecretKey } from '../crypto/ed25519-keys.js';
import { InvalidArgumentError } from '../errors.js';
import { normalizeNarHash } from './nar-hash.js';
import type { Narinfo } from './narinfo.js';
import { compareBytewise } from './store-path.js';

/**
 * Nix's narinfo signatures: Ed25519 over the fingerprint
 *   1;<storePath>;<narHash as sha256:nix32>;<narSize>;<references as full paths, sorted, comma-separated>
 * written as `Sig: <keyname>:<base64 signature>`. Nix sorts references because it holds them in a
 * set; URL, compression, FileHash, Deriver, System and CA are NOT covered by the signature.
 */
export function fingerprintOf(narinfo: Narinfo): string {
  const slash = narinfo.storePath.lastIndexOf('/');
  if (slash <= 0)
    throw new InvalidArgumentError(`fingerprint: ${narinfo.storePath} is not a full store path`);
  if (narinfo.narSize <= 0)
    throw new InvalidArgumentError('fingerprint: NarSize must be known (greater than 0)');
  const storeDir = narinfo.storePath.slice(0, slash);
  const references = [...new Set(narinfo.references)].sort(compareBytewise).map((r) => `${storeDir}/${r}`);
  return `1;${narinfo.storePath};${normalizeNarHash(narinfo.narHash)};${narinfo.narSize};${references.join(',')}`;
}

function signatureLine(narinfo: Narinfo, key: SecretKey): string {
  const signature = signDetached(key, Buffer.from(fingerprintOf(narinfo), 'utf8'));
  return `${key.name}:${signature.toString('base64')}`;
}

/** A copy of `narinfo` whose only signature is ours (a proxy vouches with its own key alone). */
export function signNarinfo(narinfo: Narinfo, key: SecretKey): Narinfo {
  return { ...narinfo, sigs: [signatureLine(narinfo, key)] };
}

/**
 * Names of the trusted keys that validly signed this narinfo (empty when none did). As in Nix, a
 * signature counts when its key name matches a trusted key and the signature verifies with it.
 */
export function verifyNarinfoSignatures(narinfo: Narinfo, trusted: readonly PublicKey[]): string[] {
  const message = Buffer.from(fingerprintOf(narinfo), 'utf8');
  const valid = new Set<string>();
  for (const sig of narinfo.sigs) {
    const colon = sig.indexOf(':');
    if (colon <= 0) continue;
    const name = sig.slice(0, colon);
    const b64 = sig.slice(colon + 1);
    const bytes = Buffer.from(b64, 'base64');
    if (bytes.toString('base64') !== b64) continue;
    for (const key of trusted) {
      if (key.name === name && verifyDetached(key, message, bytes)) valid.add(name);
    }
  }
  return [...valid];
}
