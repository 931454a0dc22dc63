import type { PublicKey } from '../../crypto/ed25519-keys.js';
import type { MirrorStore } from '../../store/mirror-store.js';
import type { R13yIndex } from '../../store/r13y-index.js';
import type { LogNames } from './r13y-html/pages.js';

/** A mirrored log as the evidence route reads it: its copy and the key it is verified against. */
export interface EvidenceSource {
  store: Pick<MirrorStore, 'head' | 'lookup' | 'inclusionProof'>;
  publicKey: PublicKey;
}

/**
 * What the r13y routes read: the index the follower keeps, the followed logs' names, and each
 * mirrored log's copy for evidence.
 */
export interface R13yReport {
  index: R13yIndex;
  logNames: LogNames;
  mirrors: (logId: string) => EvidenceSource | undefined;
}

/** Disputed paths per page, in HTML and JSON alike. */
export const DISPUTES_PER_PAGE = 50;
/** Longest `name` filter looked at; a longer one is refused, not truncated silently. */
export const MAX_NAME_FILTER_CHARS = 211;
const HASH_PART = /^[0123456789abcdfghijklmnpqrsvwxyz]{32}$/;
const LOG_ID = /^[0-9a-f]{64}$/;

/** A parsed query, or the message a 400 answers with. */
export type Parsed<T> = { ok: T } | { error: string };

/** `?name=&page=` of a list of disputed paths. */
export function parseListQuery(query: {
  name?: unknown;
  page?: unknown;
}): Parsed<{ name: string; page: number }> {
  const { name, page } = query;
  if (name !== undefined && (typeof name !== 'string' || name.length > MAX_NAME_FILTER_CHARS)) {
    return { error: `name must be one string of at most ${MAX_NAME_FILTER_CHARS} characters` };
  }
  if (page !== undefined && (typeof page !== 'string' || !/^[1-9][0-9]{0,8}$/.test(page))) {
    return { error: 'page must be a whole number from 1' };
  }
  return { ok: { name: name ?? '', page: page === undefined ? 1 : Number(page) } };
}

export function checkHashPart(hashPart: string): string | undefined {
  return HASH_PART.test(hashPart) ? undefined : 'a path is named by the 32 nix32 characters of its hash part';
}

export function checkLogIds(a: string, b: string): string | undefined {
  return LOG_ID.test(a) && LOG_ID.test(b) && a !== b
    ? undefined
    : 'a log pair is named by two different log ids, 64 hex characters each';
}

/** The names of the logs a JSON answer mentions, so that it holds what the page shows. */
export function logsNamed(names: LogNames, ids: Iterable<string>): { logId: string; name: string | null }[] {
  return [...new Set(ids)].sort().map((logId) => ({ logId, name: names.get(logId) ?? null }));
}
