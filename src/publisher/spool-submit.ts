import { checkEntries } from '../entry/entry.js';
import type { PublishedLogs } from './published-log.js';
import type { SpoolSubmit } from './spool-ingester.js';

/** Spooled submissions go through the same checks and publisher as an admin Submit. */
export function spoolSubmitTo(logs: PublishedLogs): SpoolSubmit {
  return async ({ logId, entries }) => {
    const log = logs.get(logId);
    checkEntries(entries, 'spool entries');
    const { results } = await log.publisher.submit(entries);
    return results.map((r) => r.status);
  };
}
