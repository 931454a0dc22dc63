import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { TallyError, type TallyErrorCode } from '../errors.js';
import type { SpooledSubmission } from '../api/spool-file.js';
import { listSpoolFiles, readSpoolFile, rejectSpoolFile } from './spool-reader.js';

/** How often the daemon looks at the spool again after its start. */
export const SPOOL_INGEST_INTERVAL_MS = 30_000;

export type SubmitStatusName = 'appended' | 'already_present' | 'conflict';
/** Submits one spooled submission to a published log; resolves with a status per entry. */
export type SpoolSubmit = (submission: SpooledSubmission) => Promise<SubmitStatusName[]>;

export interface SpoolIngestReport {
  submitted: number;
  rejected: number;
  /** Files left in place for the next round (the log was unavailable). */
  deferred: number;
}

/** Errors that will not go away by retrying the same file: it goes to rejected/. */
const PERMANENT: ReadonlySet<TallyErrorCode> = new Set<TallyErrorCode>([
  'INVALID_ARGUMENT',
  'NOT_FOUND',
  'OUT_OF_RANGE',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'VERIFICATION_FAILED',
]);

function isPermanent(err: unknown): boolean {
  return err instanceof TallyError && PERMANENT.has(err.code);
}

/**
 * One pass over the spool, oldest file first. A file is removed only after its Submit succeeded;
 * an unreadable or bad file, or a conflict, moves it to rejected/ (logged, never retried); any other failure (the
 * log is shutting down, the disk is full) leaves it and every later file for the next pass.
 */
export async function ingestSpool(
  spoolDir: string,
  submit: SpoolSubmit,
  logger: Logger,
): Promise<SpoolIngestReport> {
  const report: SpoolIngestReport = { submitted: 0, rejected: 0, deferred: 0 };
  const files = listSpoolFiles(spoolDir);
  for (const [i, file] of files.entries()) {
    const name = path.basename(file);
    // A file that cannot be read (bad JSON, or unreadable: say a root-owned 0600 file left by a hook
    // run as root) will not become readable by retrying, and must not hold back the files after it.
    let read = false;
    try {
      const submission = readSpoolFile(file);
      read = true;
      const statuses = await submit(submission);
      const conflicts = statuses.filter((s) => s === 'conflict').length;
      if (conflicts > 0) {
        throw new TallyError(
          'ALREADY_EXISTS',
          `${conflicts} of ${statuses.length} entries conflict with the log`,
        );
      }
      fs.unlinkSync(file);
      report.submitted++;
    } catch (err) {
      if (!read || isPermanent(err)) {
        const target = rejectSpoolFile(file);
        logger.error(
          { file: name, rejectedTo: target, err: (err as Error).message },
          'spooled submission rejected',
        );
        report.rejected++;
        continue;
      }
      report.deferred = files.length - i;
      logger.warn({ file: name, err: (err as Error).message }, 'spool ingestion deferred');
      break;
    }
  }
  if (report.submitted + report.rejected + report.deferred > 0) logger.info(report, 'spool ingested');
  return report;
}

export interface SpoolIngester {
  /** Runs a pass now, or waits for the one in progress. */
  runNow(): Promise<SpoolIngestReport>;
  /** Stops the timer and waits for a pass in progress. */
  stop(): Promise<void>;
}

/** Ingests the spool at once and then every `intervalMs`; passes never overlap. */
export function startSpoolIngester(options: {
  spoolDir: string;
  submit: SpoolSubmit;
  logger: Logger;
  intervalMs?: number;
}): SpoolIngester {
  let current: Promise<SpoolIngestReport> | undefined;
  let stopped = false;
  const runNow = (): Promise<SpoolIngestReport> => {
    current ??= ingestSpool(options.spoolDir, options.submit, options.logger)
      .catch((err: unknown) => {
        options.logger.error({ err: (err as Error).message }, 'spool ingestion failed');
        return { submitted: 0, rejected: 0, deferred: 0 };
      })
      .finally(() => (current = undefined));
    return current;
  };
  const timer = setInterval(() => {
    if (!stopped) void runNow();
  }, options.intervalMs ?? SPOOL_INGEST_INTERVAL_MS);
  timer.unref();
  void runNow();
  return {
    runNow,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await current;
    },
  };
}
