import fs from 'node:fs';
import type { Command } from 'commander';
import { verifyCheckpoint } from '../../../checkpoint/checkpoint.js';
import { encodeLeaf, hashLeaf, verifyInclusion } from '../../../log/index.js';
import { addApiOptions, parseIntegerArgument, withPublicClient, type ApiOptions } from '../../api-options.js';
import { readPublicKeyArgument } from '../../key-argument.js';
import { runCommand } from '../../output.js';
import { withExamples } from '../../help.js';

/** Is the entry at INDEX (fetched from the node) in the tree a saved checkpoint commits to? */
export function registerVerifyInclusion(verify: Command): void {
  withExamples(
    addApiOptions(
      verify
        .command('inclusion')
        .description(
          'verify that the entry at INDEX is in the tree of a saved CHECKPOINT (fetches entry and proof)',
        )
        .argument('<checkpoint>', 'checkpoint note file')
        .argument('<index>', 'entry index')
        .requiredOption('--key <pubkey>', 'the log key: a .public file or "name:base64"'),
    ),
    [
      'tally verify inclusion checkpoint.txt 42 --key builder-1.public',
      'tally verify inclusion checkpoint.txt 42 --key builder-1.public --api builder:9002 --json',
    ],
    'The leaf hash is recomputed from the fetched entry; the proof must lead to the saved root.',
  ).action((file: string, indexText: string, options: ApiOptions & { key: string }) =>
    runCommand(options, async () => {
      const checkpoint = verifyCheckpoint(fs.readFileSync(file), readPublicKeyArgument(options.key));
      const index = parseIntegerArgument(indexText, 'index');
      const { entry, proof } = await withPublicClient(options, async (c) => {
        const { entries } = await c.getEntries({ logId: options.log, start: index, end: index + 1 });
        const { proof } = await c.getInclusionProof({ logId: options.log, index, size: checkpoint.size });
        return { entry: entries[0], proof };
      });
      // The leaf hash is recomputed from the entry, never taken from the server.
      const leafHash = hashLeaf(encodeLeaf(entry!.key, entry!.valueDigest));
      verifyInclusion(leafHash, index, checkpoint.size, proof, checkpoint.logRoot);
      return {
        human: `included: entry ${index} (key ${entry!.key.toString('hex')}) is in the tree of size ${checkpoint.size}`,
        json: {
          index,
          size: checkpoint.size,
          key: entry!.key.toString('hex'),
          valueDigest: entry!.valueDigest.toString('hex'),
        },
      };
    }),
  );
}
