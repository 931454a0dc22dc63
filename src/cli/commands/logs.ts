import type { Command } from 'commander';
import { addApiOptions, withPublicClient, type ApiOptions } from '../api-options.js';
import { runCommand } from '../output.js';

export function registerLogs(program: Command): void {
  addApiOptions(program.command('logs').description('list the logs a node publishes and follows, with their state'))
    .addHelpText('after', '\nExample:\n  $ tally logs\n  $ tally logs --json')
    .action((options: ApiOptions) =>
      runCommand(options, () =>
        withPublicClient(options, async (client) => {
          const { logs } = await client.listLogs({});
          const human = logs
            .map((l) => {
              const age = l.headAgeSeconds === undefined ? '' : ` age ${Math.round(l.headAgeSeconds)}s`;
              const reason = l.reason ? ` (${l.reason})` : '';
              return `${l.name}  ${l.role}  ${l.state}${reason}  size ${l.headSize}${age}\n  id ${l.logId}\n  key ${l.publicKey}\n  origin ${l.origin}`;
            })
            .join('\n');
          return { human, json: { logs } };
        }),
      ),
    );
}
