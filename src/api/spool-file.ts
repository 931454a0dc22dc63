import { InvalidArgumentError } from '../errors.js';
import type { Entry } from '../entry/entry.js';

/*
 * The spool: submissions the post-build hook could not hand to the daemon. One JSON file per
 * submission in <stateDir>/spool/, written atomically (temp file, fsync, rename, fsync of the
 * directory) so the daemon never reads half a file and a crash never loses an acknowledged one.
 *
 *   {"version":1,"logId":"","entries":[{"key":"<hex>","value":"<base64>"}]}
 *
 * Temp files start with "." and are never ingested. The daemon moves files it cannot use to
 * spool/rejected/ so they are kept for inspection but never retried.
 */
export const SPOOL_VERSION = 1;
export const SPOOL_SUFFIX = '.json';
/** A spool file is one hook's submission: a handful of outputs; anything bigger is not ours. */
export const MAX_SPOOL_FILE_BYTES = 16 * 1024 * 1024;

export interface SpooledSubmission {
  logId: string;
  entries: Entry[];
}

export function encodeSpoolFile(submission: SpooledSubmission): string {
  return JSON.stringify({
    version: SPOOL_VERSION,
    logId: submission.logId,
    entries: submission.entries.map((e) => ({
      key: e.key.toString('hex'),
      value: e.value.toString('base64'),
    })),
  });
}

function decodeBytes(text: unknown, encoding: 'hex' | 'base64', what: string): Buffer {
  const pattern = encoding === 'hex' ? /^([0-9a-f]{2})+$/ : /^[A-Za-z0-9+/]+={0,2}$/;
  if (typeof text !== 'string' || !pattern.test(text))
    throw new InvalidArgumentError(`${what} is not ${encoding}`);
  return Buffer.from(text, encoding);
}

export function decodeSpoolFile(text: string): SpooledSubmission {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new InvalidArgumentError('spool file is not JSON');
  }
  const o = json as { version?: unknown; logId?: unknown; entries?: unknown } | null;
  if (typeof o !== 'object' || o === null) throw new InvalidArgumentError('spool file is not a JSON object');
  if (o.version !== SPOOL_VERSION)
    throw new InvalidArgumentError(`spool file version ${String(o.version)} is not ${SPOOL_VERSION}`);
  if (typeof o.logId !== 'string') throw new InvalidArgumentError('spool file logId is not a string');
  if (!Array.isArray(o.entries) || o.entries.length === 0)
    throw new InvalidArgumentError('spool file has no entries');
  const entries = o.entries.map((e: { key?: unknown; value?: unknown }, i: number) => ({
    key: decodeBytes(e?.key, 'hex', `entries[${i}].key`),
    value: decodeBytes(e?.value, 'base64', `entries[${i}].value`),
  }));
  return { logId: o.logId, entries };
}
