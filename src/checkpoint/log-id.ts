import { InvalidArgumentError } from '../errors.js';
import type { PublicKey } from '../crypto/ed25519-keys.js';
import { sha256Concat } from '../crypto/sha256.js';

/**
 * Log ID = lowercase hex of SHA-256("tally-log-id/v1\n" || protocol || "\n" || 32-byte public key).
 * Followers derive it from the key they were given, so a log cannot claim someone else's ID; the
 * protocol separates logs of different ecosystems signed with the same key.
 */
export const DEFAULT_PROTOCOL = 'nix';

const LOG_ID_DOMAIN = 'tally-log-id/v1\n';
const PROTOCOL = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const LOG_ID = /^[0-9a-f]{64}$/;

export function assertProtocol(protocol: string): void {
  if (!PROTOCOL.test(protocol)) {
    throw new InvalidArgumentError(
      `protocol ${JSON.stringify(protocol)} must be 1-64 characters of [a-z0-9._-], starting with a letter or digit`,
    );
  }
}

export function logIdOf(publicKey: PublicKey, protocol: string = DEFAULT_PROTOCOL): string {
  assertProtocol(protocol);
  if (publicKey.publicKey.length !== 32) {
    throw new InvalidArgumentError(`public key: expected 32 bytes, got ${publicKey.publicKey.length}`);
  }
  return sha256Concat(Buffer.from(`${LOG_ID_DOMAIN}${protocol}\n`, 'utf8'), publicKey.publicKey).toString(
    'hex',
  );
}

/** The origin a log uses unless its operator configures one: `tally.log/<first 16 hex of log ID>`. */
export function defaultOrigin(logId: string): string {
  if (!LOG_ID.test(logId))
    throw new InvalidArgumentError(`log ID ${JSON.stringify(logId)} is not 64 lowercase hex digits`);
  return `tally.log/${logId.slice(0, 16)}`;
}
