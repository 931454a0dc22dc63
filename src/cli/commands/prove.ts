import type { Command } from 'commander';
import { splitHashes } from '../../crypto/hash-list.js';
import { addApiOptions, parseIntegerArgument, withPublicClient, type ApiOptions } from '../api-options.js';
import { runCommand } from '../output.js';
import { withExamples } from '../help.js';

/** `tally prove inclusion|consistency`: fetch proofs (check them with `tally verify`). */
export function registerProve(program: Command): void {
  const prove = withExamples(
    program.command('prove').description('fetch RFC 9162 proofs from a log (hashes in hex, leaf to root)'),
    ['tally prove inclusion 3 10', 'tally prove consistency 5 10 --json'],
    "These only fetch; 'tally verify inclusion' and 'tally verify consistency' check proofs against signed checkpoints.",
  );
  withExamples(
    addApiOptions(
      prove
        .command('inclusion')
        .description('inclusion proof of the leaf at INDEX in the tree of SIZE')
        .argument('<index>', 'leaf index')
        .argument('<size>', 'tree size (at most the current head)'),
    ),
    ['tally prove inclusion 3 10 --json', 'tally prove inclusion 3 10 --api builder.example:9002'],
  ).action((index: string, size: string, options: ApiOptions) =>
    runCommand(options, () =>
      withPublicClient(options, async (client) => {
        const { leafHash, proof } = await client.getInclusionProof({
          logId: options.log,
          index: parseIntegerArgument(index, 'index'),
          size: parseIntegerArgument(size, 'size'),
        });
        const hashes = splitHashes(proof).map((h) => h.toString('hex'));
        return {
          human: [`leaf ${leafHash.toString('hex')}`, ...hashes].join('\n'),
          json: { leafHash: leafHash.toString('hex'), proof: hashes },
        };
      }),
    ),
  );
  withExamples(
    addApiOptions(
      prove
        .command('consistency')
        .description('consistency proof between tree sizes FROM and TO')
        .argument('<from>', 'older tree size')
        .argument('<to>', 'newer tree size (at most the current head)'),
    ),
    ['tally prove consistency 5 10', 'tally prove consistency 5 10 --json'],
  ).action((from: string, to: string, options: ApiOptions) =>
    runCommand(options, () =>
      withPublicClient(options, async (client) => {
        const { proof } = await client.getConsistencyProof({
          logId: options.log,
          fromSize: parseIntegerArgument(from, 'from'),
          toSize: parseIntegerArgument(to, 'to'),
        });
        const hashes = splitHashes(proof).map((h) => h.toString('hex'));
        return { human: hashes.join('\n'), json: { proof: hashes } };
      }),
    ),
  );
}
