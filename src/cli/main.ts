#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { registerDaemon } from './commands/daemon.js';
import { registerDecide } from './commands/decide.js';
import { registerEvidence } from './commands/evidence.js';
import { registerEntries } from './commands/entries.js';
import { registerHead } from './commands/head.js';
import { registerLogs } from './commands/logs.js';
import { registerLookup } from './commands/lookup.js';
import { registerProve } from './commands/prove.js';
import { registerSubmit } from './commands/submit.js';
import { registerKeygen } from './commands/keygen.js';
import { registerLogId } from './commands/log-id.js';
import { registerVerify } from './commands/verify/index.js';
import { registerPostBuildHook } from './commands/post-build-hook.js';
import { registerSubmitClosure } from './commands/submit-closure.js';
import { registerPublishCache } from './commands/publish-cache.js';
import { ExitCode } from './output.js';

/** The `tally` command line. Exit codes: see output.ts. */
function buildProgram(): Command {
  const program = new Command()
    .name('tally')
    .description('Verifiable, followed and voted-on build logs for Nix binary caches')
    // Throw instead of exiting so usage errors map to exit code 2 (commander would use 1).
    .exitOverride()
    .addHelpText(
      'after',
      `
Exit status: 0 ok, 1 verification failed, 2 usage or bad input, 3 I/O error or unavailable.

Example:
  $ tally keygen --name builder-1 --out ./keys
  $ tally verify checkpoint checkpoint.txt --key ./keys/builder-1.public`,
    );
  registerDaemon(program);
  registerKeygen(program);
  registerLogId(program);
  registerSubmit(program);
  registerHead(program);
  registerEntries(program);
  registerProve(program);
  registerLookup(program);
  registerLogs(program);
  registerDecide(program);
  registerEvidence(program);
  registerVerify(program);
  registerPostBuildHook(program);
  registerSubmitClosure(program);
  registerPublishCache(program);
  return program;
}

try {
  await buildProgram().parseAsync(process.argv);
} catch (err) {
  if (!(err instanceof CommanderError)) throw err;
  // Commander has already printed the message or the help text.
  process.exitCode = err.exitCode === 0 ? ExitCode.OK : ExitCode.BAD_INPUT;
}
