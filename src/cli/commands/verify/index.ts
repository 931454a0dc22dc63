import type { Command } from 'commander';
import { registerVerifyCheckpoint } from './checkpoint.js';
import { registerVerifyConsistency } from './consistency.js';
import { registerVerifyInclusion } from './inclusion.js';
import { registerVerifyLookup } from './lookup.js';
import { registerVerifyTiles } from './tiles.js';
import { registerVerifyR13yEvidence } from './r13y-evidence.js';
import { withExamples } from '../../help.js';

/**
 * `tally verify <what>`: offline checks of things a log published. Each subcommand lives in its own
 * file in this folder and exports a `register...(verify: Command)`; adding one = one file + one entry.
 */
const SUBCOMMANDS: ReadonlyArray<(verify: Command) => void> = [
  registerVerifyCheckpoint,
  registerVerifyInclusion,
  registerVerifyConsistency,
  registerVerifyLookup,
  registerVerifyTiles,
  registerVerifyR13yEvidence,
];

export function registerVerify(program: Command): void {
  const verify = withExamples(
    program
      .command('verify')
      .description('verify checkpoints and proofs with a public key you supply (exit 1 when they fail)'),
    [
      'tally verify checkpoint checkpoint.txt --key builder-1.public',
      'tally verify consistency monday.txt friday.txt --key builder-1.public --api builder:9002',
      'tally verify tiles http://builder:9003/logs/6f3c…/ --key builder-1.public --entry 42',
    ],
    'checkpoint is fully offline; inclusion, consistency and lookup fetch the proof from --api and\ncheck it locally, and tiles reads a log over HTTP(S) and computes every proof itself, so the node\nis never trusted.',
  );
  for (const register of SUBCOMMANDS) register(verify);
}
