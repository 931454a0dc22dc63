#!/usr/bin/env node
import { CommanderError } from 'commander';
import { ExitCode } from './output.js';
import { buildProgram } from './program.js';

/** The `tally` executable. Exit codes: see output.ts (and `tally --help`). */

// A reader that stops early (`tally entries 0 1000 | head`) closes the pipe: stop quietly, as
// programs killed by SIGPIPE do, instead of crashing with an EPIPE stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  process.exit(ExitCode.OK);
});

try {
  await buildProgram().parseAsync(process.argv);
} catch (err) {
  if (!(err instanceof CommanderError)) throw err;
  // Commander has already printed the message or the help text.
  process.exitCode = err.exitCode === 0 ? ExitCode.OK : ExitCode.BAD_INPUT;
}
