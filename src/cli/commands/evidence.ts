import type { Command } from 'commander';
import { addAdminOptions, withAdminClient, type AdminOptions } from '../api-options.js';
import { runCommand } from '../output.js';
import { withExamples } from '../help.js';

export function registerEvidence(program: Command): void {
  withExamples(
    addAdminOptions(
      program
        .command('evidence')
        .description(
          'show the stored proof that a followed or witnessed log misbehaved (rollback, fork, inconsistency)',
        )
        .argument(
          '[log]',
          'a followed log: its configured name or its 64-hex-digit ID (default: every followed log)',
        ),
    ),
    [
      'tally evidence',
      'tally evidence builder-3',
      'tally evidence 50722f586a5ec4f23aab53772a62c878bf124f17457bc684d5f59f9beb14a9d7 --json',
    ],
    "Each item holds the two signed checkpoints that cannot both be honest; check each with\n'tally verify checkpoint'. Without [log], what this node's witness refused is shown too.",
  ).action((logId: string | undefined, options: AdminOptions) =>
    runCommand(options, () =>
      withAdminClient(options, async (client) => {
        const { evidence, witnessEvidence } = await client.getEvidence({ logId: logId ?? '' });
        const items = [
          ...evidence.map(
            (e) =>
              `${e.kind} in log ${e.logId} detected ${isoTime(e.detectedAtUnix)}\n` +
              `  ${e.detail}\n  earlier checkpoint:\n${indent(e.oldCheckpoint)}\n  contradicting checkpoint:\n${indent(e.newCheckpoint)}`,
          ),
          ...witnessEvidence.map(
            (e) =>
              `${e.kind} submitted to this witness for origin ${e.origin} at ${isoTime(e.detectedAtUnix)}\n` +
              `  ${e.detail}\n  latest cosigned checkpoint:\n${indent(e.oldCheckpoint)}\n` +
              `  submitted checkpoint (old ${e.oldSize}, ${e.proof.length} proof lines):\n${indent(e.newCheckpoint)}` +
              (e.proof.length > 0 ? `\n  proof:\n${indent(e.proof.join('\n'))}` : ''),
          ),
        ];
        const human =
          items.length === 0 ? 'no evidence: no followed or witnessed log has misbehaved' : items.join('\n');
        return { human, json: { evidence, witnessEvidence } };
      }),
    ),
  );
}

const isoTime = (unixSeconds: number): string => new Date(unixSeconds * 1000).toISOString();

const indent = (text: string): string =>
  text
    .trimEnd()
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
