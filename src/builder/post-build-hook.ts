import { TallyError } from '../errors.js';
import type { AdminClient } from '../api/client.js';
import { queryDerivationOutputs, queryPathInfo, type NixCommandOptions } from './nix-command.js';
import { nixEntry } from './nix-entries.js';
import { spoolDirOf } from '../config/state-paths.js';
import { writeSpoolFile } from './spool-writer.js';
import { describeCounts, submitEntries } from './submit-entries.js';

export interface PostBuildHookOptions extends NixCommandOptions {
  storeDir: string;
  stateDir: string;
  logId: string;
  /** Runs `body` with an admin client of the local daemon (rejects when it is unreachable). */
  withClient: <T>(body: (client: AdminClient) => Promise<T>) => Promise<T>;
}

export interface PostBuildHookOutcome {
  /** What the hook did, one line for Nix to show. */
  message: string;
  /** False only for a conflict: the log already holds a different output for a path. */
  agreed: boolean;
}

/**
 * The output paths Nix built. Nix 2.8.0 sets OUT_PATHS empty (NixOS/nix#6446), so when it is
 * empty the outputs of DRV_PATH are asked of the store instead.
 */
export async function builtOutputPaths(
  env: NodeJS.ProcessEnv,
  options: NixCommandOptions,
): Promise<string[]> {
  const outPaths = (env.OUT_PATHS ?? '').split(/\s+/).filter((p) => p !== '');
  if (outPaths.length > 0 || !env.DRV_PATH) return outPaths;
  return queryDerivationOutputs(env.DRV_PATH, options);
}

/**
 * Publishes what Nix just built. When the Submit does not succeed (the daemon is down, restarting
 * or unreachable) the submission is spooled durably and the daemon ingests it later: a failing
 * hook would stop Nix's builds. Only failures to read the build (or to spool) are thrown.
 */
export async function runPostBuildHook(
  env: NodeJS.ProcessEnv,
  options: PostBuildHookOptions,
): Promise<PostBuildHookOutcome> {
  const paths = await builtOutputPaths(env, options);
  if (paths.length === 0)
    return { message: 'tally: OUT_PATHS and DRV_PATH are empty, nothing to publish', agreed: true };
  const outputs = await queryPathInfo(paths, options);
  const entries = outputs.map((o) => nixEntry(o, options.storeDir));
  const what = paths.length === 1 ? paths[0] : `${paths.length} paths`;
  try {
    const counts = await options.withClient((client) => submitEntries(client, options.logId, entries));
    const agreed = counts.conflicts.length === 0;
    const note = agreed
      ? ''
      : ` (keys ${counts.conflicts.join(' ')}: the log holds a different output, it keeps the first)`;
    return { message: `tally: published ${what}: ${describeCounts(counts)}${note}`, agreed };
  } catch (err) {
    const reason = err instanceof TallyError ? err.message : String(err);
    const file = writeSpoolFile(spoolDirOf(options.stateDir), { logId: options.logId, entries });
    return { message: `tally: daemon unreachable (${reason}); spooled ${what} to ${file}`, agreed: true };
  }
}
