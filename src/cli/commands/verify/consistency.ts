import fs from 'node:fs';
import type { Command } from 'commander';
import { verifyCheckpoint } from '../../../checkpoint/checkpoint.js';
import { VerificationError } from '../../../errors.js';
import { verifyConsistency } from '../../../log/index.js';
import { addApiOptions, withPublicClient, type ApiOptions } from '../../api-options.js';
import { readPublicKeyArgument } from '../../key-argument.js';
import { runCommand } from '../../output.js';
import { withExamples } from '../../help.js';

/**
 * Two checkpoints saved at different times: is the newer an append-only extension of the older?
 * The proof comes from the node; both signatures and the proof are checked here.
 */
export function registerVerifyConsistency(verify: Command): void {
  withExamples(
    addApiOptions(
      verify
        .command('consistency')
        .description('verify that checkpoint NEW extends checkpoint OLD (fetches the proof from --api)')
        .argument('<old>', 'older checkpoint note file')
        .argument('<new>', 'newer checkpoint note file')
        .requiredOption('--key <pubkey>', 'the log key: a .public file or "name:base64"'),
    ),
    ['tally verify consistency monday.txt friday.txt --key builder-1.public --api builder:9002'],
    'Both signatures and the proof are checked locally. A smaller NEW (rollback) or two different\nroots for one size (fork) exit 1.',
  ).action((oldFile: string, newFile: string, options: ApiOptions & { key: string }) =>
    runCommand(options, async () => {
      const key = readPublicKeyArgument(options.key);
      const older = verifyCheckpoint(fs.readFileSync(oldFile), key);
      const newer = verifyCheckpoint(fs.readFileSync(newFile), key, older.origin);
      if (older.size > newer.size) {
        throw new VerificationError(
          `old checkpoint (size ${older.size}) is larger than new (size ${newer.size})`,
        );
      }
      if (older.size === newer.size && !older.logRoot.equals(newer.logRoot)) {
        throw new VerificationError(`fork: two different roots signed for size ${older.size}`);
      }
      const proof =
        older.size === 0 || older.size === newer.size
          ? Buffer.alloc(0)
          : (
              await withPublicClient(options, (c) =>
                c.getConsistencyProof({ logId: options.log, fromSize: older.size, toSize: newer.size }),
              )
            ).proof;
      if (older.size > 0) verifyConsistency(older.size, newer.size, older.logRoot, newer.logRoot, proof);
      return {
        human: `consistent: size ${older.size} -> ${newer.size} is append-only`,
        json: { oldSize: older.size, newSize: newer.size },
      };
    }),
  );
}
