import type { Command } from 'commander';
import { registerVerifyCheckpoint } from './checkpoint.js';
import { registerVerifyConsistency } from './consistency.js';
import { registerVerifyInclusion } from './inclusion.js';
import { registerVerifyLookup } from './lookup.js';

/**
 * `tally verify <what>`: offline checks of things a log published. Each subcommand lives in its own
 * file in this folder and exports a `register...(verify: Command)`; adding one = one file + one entry.
 */
const SUBCOMMANDS: ReadonlyArray<(verify: Command) => void> = [
  registerVerifyCheckpoint,
  registerVerifyInclusion,
  registerVerifyConsistency,
  registerVerifyLookup,
];

export function registerVerify(program: Command): void {
  const verify = program
    .command('verify')
    .description('verify checkpoints and proofs offline (exit 1 when verification fails)')
    .addHelpText(
      'after',
      `
Example:
  $ tally verify checkpoint checkpoint.txt --key builder-1.public`,
    );
  for (const register of SUBCOMMANDS) register(verify);
}
