import type { Command } from 'commander';
import { addApiOptions, parseIntegerArgument, withPublicClient, type ApiOptions } from '../api-options.js';
import { runCommand } from '../output.js';
import { withExamples } from '../help.js';

export function registerEntries(program: Command): void {
  withExamples(
    addApiOptions(
      program
        .command('entries')
        .description('list log entries [start, end): index, key (hex), value digest (hex)')
        .argument('<start>', 'first index')
        .argument('<end>', 'index after the last (at most 1,000 per call are returned)'),
    ),
    ['tally entries 0 10', 'tally entries 0 1000 --api builder.example:9002 --json'],
  ).action((start: string, end: string, options: ApiOptions) =>
    runCommand(options, () =>
      withPublicClient(options, async (client) => {
        const { entries } = await client.getEntries({
          logId: options.log,
          start: parseIntegerArgument(start, 'start'),
          end: parseIntegerArgument(end, 'end'),
        });
        const rows = entries.map((e) => ({
          index: e.index,
          key: e.key.toString('hex'),
          valueDigest: e.valueDigest.toString('hex'),
        }));
        return {
          human: rows.map((r) => `${r.index} ${r.key} ${r.valueDigest}`).join('\n'),
          json: { entries: rows },
        };
      }),
    ),
  );
}
