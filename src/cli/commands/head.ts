import type { Command } from 'commander';
import { parseCheckpointBody } from '../../checkpoint/checkpoint.js';
import { parseNote } from '../../crypto/signed-note.js';
import { addApiOptions, withPublicClient, type ApiOptions } from '../api-options.js';
import { runCommand } from '../output.js';
import { withExamples } from '../help.js';

export function registerHead(program: Command): void {
  withExamples(
    addApiOptions(program.command('head').description("print a log's current signed checkpoint")),
    ['tally head > checkpoint.txt', 'tally head --api builder.example:9002 --json'],
    "Prints the checkpoint note exactly as signed; save it and check it later with 'tally verify checkpoint'.",
  ).action((options: ApiOptions) =>
    runCommand(options, () =>
      withPublicClient(options, async (client) => {
        const { checkpoint } = await client.getHead({ logId: options.log });
        const body = parseCheckpointBody(parseNote(checkpoint).text);
        return {
          human: checkpoint.replace(/\n$/, ''),
          json: {
            checkpoint,
            origin: body.origin,
            size: body.size,
            logRoot: body.logRoot.toString('base64'),
            mapRoot: body.mapRoot.toString('base64'),
          },
        };
      }),
    ),
  );
}
