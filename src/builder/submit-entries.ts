import type { AdminClient } from '../api/client.js';
import { SubmitStatus } from '../api/gen/tally/v1/admin.js';
import type { Entry } from '../entry/entry.js';
import { inBatches } from './nix-entries.js';

/** Entries per Submit request: well under the server's 10,000 and its message size bound. */
export const PUBLISH_BATCH_ENTRIES = 1_000;

export interface PublishCounts {
  appended: number;
  alreadyPresent: number;
  /** Hex keys whose log entry holds a different value (the log is append-only: first write wins). */
  conflicts: string[];
}

/** Submits entries in batches of ≤ 1,000, reporting how many are done after each batch. */
export async function submitEntries(
  client: AdminClient,
  logId: string,
  entries: Entry[],
  onProgress: (done: number) => void = () => {},
): Promise<PublishCounts> {
  const counts: PublishCounts = { appended: 0, alreadyPresent: 0, conflicts: [] };
  let done = 0;
  for (const batch of inBatches(entries, PUBLISH_BATCH_ENTRIES)) {
    const { results } = await client.submit({ logId, entries: batch });
    results.forEach((r, i) => {
      if (r.status === SubmitStatus.APPENDED) counts.appended++;
      else if (r.status === SubmitStatus.ALREADY_PRESENT) counts.alreadyPresent++;
      else counts.conflicts.push(batch[i]!.key.toString('hex'));
    });
    done += batch.length;
    onProgress(done);
  }
  return counts;
}

export function describeCounts(counts: PublishCounts): string {
  const base = `${counts.appended} appended, ${counts.alreadyPresent} already present`;
  return counts.conflicts.length === 0 ? base : `${base}, ${counts.conflicts.length} CONFLICTING`;
}
