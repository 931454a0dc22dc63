import type { Command } from 'commander';
import { addApiOptions, withPublicClient, type ApiOptions } from '../api-options.js';
import { runCommand } from '../output.js';
import { withExamples } from '../help.js';
import type { WitnessCosigning } from '../../api/gen/tally/v1/node.js';

export function registerLogs(program: Command): void {
  withExamples(
    addApiOptions(
      program.command('logs').description('list the logs a node publishes and follows, with their state'),
    ),
    ['tally logs', 'tally logs --api builder.example:9002 --json'],
    'For each log: role (published or followed), state (healthy, unreachable, or compromised with the\nreason), head size and head age, log ID, key, origin, and the URL prefix of its tlog-tiles read path\n(tiles_url) when the node serves it over HTTP; for a log that requires witnesses, the last witnessed\nsize, or why its votes are "not witnessed"; for a published log with [[publish.witness]], each\nwitness\'s last cosigned size, last attempt and last error.',
  ).action((options: ApiOptions) =>
    runCommand(options, () =>
      withPublicClient(options, async (client) => {
        const { logs } = await client.listLogs({});
        const human = logs
          .map((l) => {
            const age = l.headAgeSeconds === undefined ? '' : ` age ${Math.round(l.headAgeSeconds)}s`;
            const reason = l.reason ? ` (${l.reason})` : '';
            return `${l.name}  ${l.role}  ${l.state}${reason}  size ${l.headSize}${age}\n  id ${l.logId}\n  key ${l.publicKey}\n  origin ${l.origin}${l.tilesUrl ? `\n  tiles ${l.tilesUrl}` : ''}${
              l.mirroredSize === undefined
                ? ''
                : `\n  mirror ${l.mirroredSize} of ${l.headSize} entries (${l.mirrorStored} fetched), ${l.auditedSize} audited`
            }${l.witnessStatus ? `\n  witnesses ${l.witnessStatus}` : ''}${l.witnessCosigning
              .map((w) => `\n  cosigned by ${w.name}: ${cosigningText(w)}`)
              .join('')}`;
          })
          .join('\n');
        return { human, json: { logs } };
      }),
    ),
  );
}

function cosigningText(w: WitnessCosigning): string {
  const size = w.cosignedSize === undefined ? 'nothing yet' : `size ${w.cosignedSize}`;
  const attempt =
    w.lastAttemptAgeSeconds === undefined ? '' : `, last attempt ${w.lastAttemptAgeSeconds}s ago`;
  const error = w.lastError ? `, failing (${w.failures} failures): ${w.lastError}` : '';
  return `${size}${attempt}${error}`;
}
