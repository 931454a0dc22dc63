import fs from 'node:fs';
import type { Command } from 'commander';
import { verifyCheckpoint } from '../../../checkpoint/checkpoint.js';
import { readPublicKeyArgument } from '../../key-argument.js';
import { addJsonOption, runCommand, type CommandResult } from '../../output.js';
import { withExamples } from '../../help.js';

interface VerifyCheckpointOptions {
  key: string;
  origin?: string;
  json?: boolean;
}

export function registerVerifyCheckpoint(verify: Command): void {
  const command = verify
    .command('checkpoint')
    .description("verify a signed checkpoint note against the log's public key")
    .argument('<file>', 'checkpoint note file ("-" reads standard input)')
    .requiredOption('--key <pubkey>', 'the log key: a .public file, "name:base64" or a C2SP verifier key')
    .option('--origin <origin>', 'also require this origin line');
  withExamples(
    addJsonOption(command),
    [
      'tally verify checkpoint checkpoint.txt --key builder-1.public --origin tally.log/6f3c0a9e1d2b4c58',
      'tally head --api builder.example:9002 | tally verify checkpoint - --key builder-1.public',
    ],
    'Exit status 0 when a signature by --key verifies (and the origin matches), 1 when not.',
  ).action((file: string, options: VerifyCheckpointOptions) =>
    runCommand(options, () => verifyCheckpointFile(file, options)),
  );
}

function verifyCheckpointFile(file: string, options: VerifyCheckpointOptions): CommandResult {
  const key = readPublicKeyArgument(options.key);
  const note = fs.readFileSync(file === '-' ? 0 : file);
  const cp = verifyCheckpoint(note, key, options.origin);
  const fields = {
    origin: cp.origin,
    size: cp.size,
    logRoot: cp.logRoot.toString('base64'),
    mapRoot: cp.mapRoot.toString('base64'),
    verifiedBy: key.name,
  };
  return {
    human: [
      `checkpoint verified by ${fields.verifiedBy}`,
      `origin:   ${fields.origin}`,
      `size:     ${fields.size}`,
      `log root: ${fields.logRoot}`,
      `map root: ${fields.mapRoot}`,
    ].join('\n'),
    json: fields,
  };
}
