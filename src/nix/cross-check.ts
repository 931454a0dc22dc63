import { VerificationError } from '../errors.js';
import type { NixOutput } from './canonical-value.js';
import { normalizeContentAddress } from './content-address.js';
import { normalizeNarHash } from './nar-hash.js';
import type { Narinfo } from './narinfo.js';

/**
 * Throws a VerificationError naming the first field where an upstream narinfo disagrees with the
 * decided output. The proxy skips such an upstream: its narinfo describes something else than
 * what the builders voted for. References compare as sets (narinfo order is not significant).
 */
export function crossCheckNarinfo(narinfo: Narinfo, decided: NixOutput): void {
  const mismatch = (field: string, got: string, want: string): never => {
    throw new VerificationError(`narinfo ${field} ${got} does not match the decided ${want}`);
  };
  if (narinfo.storePath !== decided.storePath) mismatch('StorePath', narinfo.storePath, decided.storePath);
  const narHash = normalizeNarHash(narinfo.narHash);
  const decidedNarHash = normalizeNarHash(decided.narHash);
  if (narHash !== decidedNarHash) mismatch('NarHash', narHash, decidedNarHash);
  if (narinfo.narSize !== decided.narSize)
    mismatch('NarSize', String(narinfo.narSize), String(decided.narSize));
  const got = new Set(narinfo.references);
  if (got.size !== narinfo.references.length)
    throw new VerificationError('narinfo References lists a path twice');
  const want = new Set(decided.references);
  const missing = [...want].filter((r) => !got.has(r));
  const extra = [...got].filter((r) => !want.has(r));
  if (missing.length > 0 || extra.length > 0) {
    throw new VerificationError(
      `narinfo References differ from the decided ones (missing: ${missing.join(' ') || 'none'}; extra: ${extra.join(' ') || 'none'})`,
    );
  }
  const ca = narinfo.ca === undefined ? 'none' : normalizeContentAddress(narinfo.ca);
  const decidedCa = decided.ca === undefined ? 'none' : normalizeContentAddress(decided.ca);
  if (ca !== decidedCa) mismatch('CA', ca, decidedCa);
}
