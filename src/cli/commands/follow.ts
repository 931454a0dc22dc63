import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import type { AdminClient } from '../../api/client.js';
import { InvalidArgumentError } from '../../errors.js';
import { addAdminOptions, withAdminClient, type AdminOptions } from '../api-options.js';
import { withExamples } from '../help.js';
import { runCommand } from '../output.js';

interface ResetOptions extends AdminOptions {
  yes?: boolean;
}

/** `tally follow reset`: the follower's side of recovering a compromised log (docs/operations.md). */
export function registerFollow(program: Command): void {
  const follow = withExamples(program.command('follow').description("manage this node's followed logs"), [
    'tally follow reset builder-3',
  ]);
  withExamples(
    addAdminOptions(
      follow
        .command('reset')
        .description("clear a followed log's compromised mark once its operator has restored the right data")
        .argument('<log>', 'the followed log: its configured name or its 64-hex-digit ID')
        .option('--yes', 'do not ask for confirmation'),
    ),
    ['tally follow reset builder-3', 'tally follow reset builder-3 --yes --state /var/lib/tally --json'],
    `The evidence is kept ('tally evidence' still shows it) and the daemon logs the reset. The log
is polled at once against the head this node stored before it was marked, so a log that still
rolls back or forks is marked again, with new evidence. Asks for confirmation on a terminal;
elsewhere --yes is required.`,
  ).action((log: string, options: ResetOptions) =>
    runCommand(options, () =>
      withAdminClient(options, async (client) => {
        if (!options.yes) await confirm(client, log);
        const r = await client.resetFollowedLog({ logId: log });
        const after =
          `state ${r.state}${r.reason ? ` (${r.reason})` : ''}, head size ${r.headSize}; ` +
          `${r.evidenceKept} evidence record(s) kept`;
        const human = r.wasCompromised
          ? `reset log ${log}: ${after}`
          : `log ${log} was not compromised; nothing changed (${after})`;
        return { human, json: { ...r } };
      }),
    ),
  );
}

/** Shows what is being cleared and asks; refuses when nobody can be asked. */
async function confirm(client: AdminClient, log: string): Promise<void> {
  if (!process.stdin.isTTY) {
    throw new InvalidArgumentError(
      `refusing to reset log ${log} without confirmation: pass --yes (stdin is not a terminal)`,
    );
  }
  const { evidence } = await client.getEvidence({ logId: log });
  const summary = evidence.map((e) => `  ${e.kind}: ${e.detail}`).join('\n');
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await prompt.question(
      `Log ${log} has ${evidence.length} evidence record(s):\n${summary}\n` +
        'Only reset it if its operator has restored the data it had published. ' +
        'The evidence is kept. Reset? [y/N] ',
    );
    if (!/^y(es)?$/i.test(answer.trim())) throw new InvalidArgumentError('not reset: not confirmed');
  } finally {
    prompt.close();
  }
}
