import type { SecretKey } from '../crypto/ed25519-keys.js';
import { proxyNarUrl } from './nar-url.js';
import type { Narinfo } from './narinfo.js';
import { signNarinfo } from './narinfo-signature.js';

export interface ProxyRewriteOptions {
  /** The proxy's own cache key; its signature replaces every upstream one. */
  key: SecretKey;
  storeDir?: string;
}

/**
 * The narinfo the proxy serves for an upstream narinfo that passed `crossCheckNarinfo`:
 *   URL: nar/<narhash nix32>.nar?hash=<hash part> (see nar-url.ts), Compression: none,
 *   FileHash/FileSize = NarHash/NarSize (the proxy streams the NAR decompressed),
 *   Sig: the proxy's signature only. StorePath, NarHash, NarSize, References, Deriver, System
 *   and CA are kept; unknown upstream keys are dropped, as the proxy vouches only for what it knows.
 */
export function rewriteForProxy(narinfo: Narinfo, options: ProxyRewriteOptions): Narinfo {
  const rewritten: Narinfo = {
    ...narinfo,
    url: proxyNarUrl(narinfo.narHash, narinfo.storePath, options.storeDir),
    compression: 'none',
    fileHash: narinfo.narHash,
    fileSize: narinfo.narSize,
    unknown: [],
  };
  return signNarinfo(rewritten, options.key);
}
