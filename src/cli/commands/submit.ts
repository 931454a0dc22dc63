import fs from 'node:fs';
import type { Command } from 'commander';
import { SubmitStatus } from '../../api/gen/tally/v1/admin.js';
import { InvalidArgumentError, TallyError } from '../../errors.js';
import {
  addSubmitTargetOptions,
  parseKeyArgument,
  withAdminClient,
  type SubmitTargetOptions,
} from '../api-options.js';
import { runCommand } from '../output.js';
import { withExamples } from '../help.js';

interface SubmitOptions extends SubmitTargetOptions {
  valueFile?: string;
}

const STATUS_NAME: Record<number, string> = {
  [SubmitStatus.APPENDED]: 'appended',
  [SubmitStatus.ALREADY_PRESENT]: 'already_present',
  [SubmitStatus.CONFLICT]: 'conflict',
};

export function registerSubmit(program: Command): void {
  withExamples(
    addSubmitTargetOptions(
      program
        .command('submit')
        .description("append KEY -> VALUE to the local daemon's log (admin API); first write wins")
        .argument('<key>', 'a Nix store path, a 32-character Nix hash part, or hex bytes')
        .argument('[value]', 'the value as text (or use --value-file)')
        .option('--value-file <file>', 'read the value bytes from a file'),
    ),
    [
      "tally submit 00112233445566778899aabbccddeeff00112233 'hello'",
      'tally submit /nix/store/0c0ahlb0gmr55r8fd7vl0ncy4lhn5dvr-hello --value-file value.txt --json',
      'tally submit 00112233445566778899aabbccddeeff00112233 hello --admin-address 10.0.0.5:9003 --token-file token',
    ],
    `Returns after the entry is durable and covered by a new signed checkpoint. A key that already
holds a different value is a conflict (exit 2), and the existing digest is printed.`,
  ).action((keyText: string, valueText: string | undefined, options: SubmitOptions) =>
    runCommand(options, async () => {
      const key = parseKeyArgument(keyText);
      if ((valueText === undefined) === (options.valueFile === undefined)) {
        throw new InvalidArgumentError('give the value either as an argument or with --value-file, not both');
      }
      const value = options.valueFile ? fs.readFileSync(options.valueFile) : Buffer.from(valueText!);
      const { results, checkpoint } = await withAdminClient(options, (c) =>
        c.submit({ logId: options.log, entries: [{ key, value }] }),
      );
      const result = results[0]!;
      const status = STATUS_NAME[result.status] ?? 'unknown';
      if (result.status === SubmitStatus.CONFLICT) {
        throw new TallyError(
          'ALREADY_EXISTS',
          `conflict: key already holds a value with digest ${result.existingDigest.toString('hex')} at index ${result.index}`,
        );
      }
      return {
        human: `${status} at index ${result.index}`,
        json: { status, index: result.index, checkpoint },
      };
    }),
  );
}
