import { TallyError } from '../errors.js';
import type { Entry } from '../entry/entry.js';
import { describeCounts, submitEntries, type PublishCounts } from '../builder/submit-entries.js';
import { withAdminClient, type SubmitTargetOptions } from './api-options.js';
import { createProgress } from './progress.js';

/**
 * Submits entries in batches with a progress bar (on a terminal), the way submit-closure and
 * publish-cache both publish. Any conflict fails the command: the log already holds a different
 * output for that key, and first write wins.
 */
export async function publishEntries(
  options: SubmitTargetOptions,
  label: string,
  entries: Entry[],
): Promise<PublishCounts> {
  const progress = createProgress(label, entries.length);
  const counts = await withAdminClient(options, (client) =>
    submitEntries(client, options.log, entries, (done) => progress.update(done)),
  ).finally(() => progress.finish());
  if (counts.conflicts.length > 0) {
    throw new TallyError(
      'ALREADY_EXISTS',
      `${describeCounts(counts)}: the log holds different outputs for keys ${counts.conflicts.join(' ')}`,
    );
  }
  return counts;
}
