import { KEY_NAME } from '../../crypto/ed25519-keys.js';
import { InvalidArgumentError } from '../../errors.js';

/** Request-field checks shared by the services (keys and values: entry/entry.ts). */
export function checkDigest(digest: Buffer, field: string): void {
  if (digest.length !== 32)
    throw new InvalidArgumentError(`${field}: ${digest.length} bytes; a digest is 32 bytes`);
}

/** A log_id field: a log ID (64 lowercase hex characters) or a log's configured name. */
export function checkLogSelector(logId: string): void {
  if (!LOG_ID.test(logId) && !KEY_NAME.test(logId)) {
    throw new InvalidArgumentError(
      `log_id: ${JSON.stringify(logId.slice(0, 80))} is neither a log ID (64 lowercase hex characters) nor a log name ([A-Za-z0-9._+-], 1-128 characters)`,
    );
  }
}

const LOG_ID = /^[0-9a-f]{64}$/;
