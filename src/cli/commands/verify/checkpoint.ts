import fs from 'node:fs';
import type { Command } from 'commander';
import { verifyCheckpoint } from '../../../checkpoint/checkpoint.js';
import { InvalidArgumentError, TallyError, VerificationError } from '../../../errors.js';
import type { PublicKey } from '../../../crypto/ed25519-keys.js';
import { checkWitnessQuorum, parseWitnessKey } from '../../../witness/index.js';
import { parseIntegerArgument } from '../../api-options.js';
import { readPublicKeyArgument } from '../../key-argument.js';
import { addJsonOption, runCommand, type CommandResult } from '../../output.js';
import { withExamples } from '../../help.js';

interface VerifyCheckpointOptions {
  key: string;
  origin?: string;
  witness: string[];
  quorum?: string;
  json?: boolean;
}

export function registerVerifyCheckpoint(verify: Command): void {
  const command = verify
    .command('checkpoint')
    .description("verify a signed checkpoint note against the log's public key")
    .argument('<file>', 'checkpoint note file ("-" reads standard input)')
    .requiredOption('--key <pubkey>', 'the log key: a .public file, "name:base64" or a C2SP verifier key')
    .option('--origin <origin>', 'also require this origin line')
    .option(
      '--witness <file>',
      'a witness public key: a .public file, "name:base64" or a C2SP vkey (type 0x04); repeatable',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option('--quorum <k>', 'require valid cosignatures by k of the --witness keys (default: all of them)');
  withExamples(
    addJsonOption(command),
    [
      'tally verify checkpoint checkpoint.txt --key builder-1.public --origin tally.log/6f3c0a9e1d2b4c58',
      'tally head --api builder.example:9002 | tally verify checkpoint - --key builder-1.public',
      'tally verify checkpoint checkpoint.txt --key builder-1.public --witness w1.public --witness w2.public --quorum 1',
    ],
    'Exit status 0 when a signature by --key verifies (and the origin matches, and k of the\n' +
      '--witness keys validly cosigned it, C2SP tlog-cosignature), 1 when not.',
  ).action((file: string, options: VerifyCheckpointOptions) =>
    runCommand(options, () => verifyCheckpointFile(file, options)),
  );
}

function verifyCheckpointFile(file: string, options: VerifyCheckpointOptions): CommandResult {
  const key = readPublicKeyArgument(options.key);
  const note = fs.readFileSync(file === '-' ? 0 : file);
  const witnesses = options.witness.map(readWitnessKeyArgument);
  if (options.quorum !== undefined && witnesses.length === 0) {
    throw new InvalidArgumentError('--quorum needs at least one --witness');
  }
  const quorum =
    options.quorum === undefined ? witnesses.length : parseIntegerArgument(options.quorum, '--quorum');
  const cp = verifyCheckpoint(note, key, options.origin);
  const witnessed = witnesses.length > 0 ? checkWitnessQuorum(note, { witnesses, quorum }) : undefined;
  if (witnessed && !witnessed.met)
    throw new VerificationError(`checkpoint not witnessed: ${witnessed.reason}`);
  const fields = {
    origin: cp.origin,
    size: cp.size,
    logRoot: cp.logRoot.toString('base64'),
    mapRoot: cp.mapRoot.toString('base64'),
    verifiedBy: key.name,
    ...(witnessed ? { witnesses: { quorum, cosignedBy: witnessed.cosignedBy } } : {}),
  };
  const cosigned = witnessed?.cosignedBy.map(
    (c) => `${c.name} at ${new Date(c.timestamp * 1000).toISOString()}`,
  );
  return {
    human: [
      `checkpoint verified by ${fields.verifiedBy}`,
      `origin:   ${fields.origin}`,
      `size:     ${fields.size}`,
      `log root: ${fields.logRoot}`,
      `map root: ${fields.mapRoot}`,
      ...(cosigned ? [`cosigned: ${cosigned.join(', ')} (quorum ${quorum} of ${witnesses.length})`] : []),
    ].join('\n'),
    json: fields,
  };
}

/** A --witness argument: a key file, or the key itself (parseWitnessKey's forms). */
function readWitnessKeyArgument(argument: string): PublicKey {
  const fromFile = fs.existsSync(argument) && fs.statSync(argument).isFile();
  try {
    return parseWitnessKey(fromFile ? fs.readFileSync(argument, 'utf8') : argument);
  } catch (err) {
    if (!(err instanceof TallyError)) throw err;
    throw new InvalidArgumentError(`--witness ${JSON.stringify(argument)}: ${err.message}`);
  }
}
