import type { Command } from 'commander';
import type { DecideResponse, LogVote } from '../../api/gen/tally/v1/admin.js';
import { addAdminOptions, parseKeyArgument, withAdminClient, type AdminOptions } from '../api-options.js';
import { runCommand } from '../output.js';
import { withExamples } from '../help.js';

interface DecideOptions extends AdminOptions {
  bypassCache?: boolean;
}

const hex = (bytes: Buffer): string => bytes.toString('hex');

function voteLines(title: string, votes: LogVote[]): string[] {
  return votes.map(
    (v) => `  ${title.padEnd(11)} ${v.name}${v.digest.length ? ` ${hex(v.digest)}` : ''}  (${v.detail})`,
  );
}

function humanDecision(d: DecideResponse): string {
  const head = d.decided
    ? `decided ${hex(d.digest)} by ${d.policy}, confidence ${d.confidence.toFixed(3)}`
    : `undecided (${d.policy}): ${d.reason}`;
  return [
    head,
    ...(d.decided ? [`  reason      ${d.reason}`, `  value       ${d.value.length} bytes`] : []),
    ...voteLines('agrees', d.agreeing),
    // Undecided, no digest won: a log holding one does not dissent from anything, it just says it.
    ...voteLines(d.decided ? 'dissents' : 'says', d.dissenting),
    ...voteLines('absent', d.absent),
    ...voteLines('unavailable', d.unavailable),
    ...voteLines('compromised', d.compromised),
  ].join('\n');
}

const jsonVote = (v: LogVote) => ({
  logId: v.logId,
  name: v.name,
  digest: v.digest.length ? hex(v.digest) : null,
  detail: v.detail,
});

export function registerDecide(program: Command): void {
  const command = addAdminOptions(
    program
      .command('decide')
      .description("ask the local daemon's followed logs about KEY and run the voting policy")
      .argument('<key>', 'a Nix store path, a 32-character Nix hash part, or hex bytes')
      .option('--bypass-cache', 'ask the logs again instead of answering from the decision cache'),
  );
  withExamples(
    command,
    [
      'tally decide /nix/store/0c0ahlb0gmr55r8fd7vl0ncy4lhn5dvr-hello',
      'tally decide 0c0ahlb0gmr55r8fd7vl0ncy4lhn5dvr --bypass-cache --json',
      'tally decide 0c0ahlb0gmr55r8fd7vl0ncy4lhn5dvr --state /var/lib/tally',
    ],
    "Prints the decided digest and every log's vote; exits 0 whether or not a value was decided.",
  ).action((keyText: string, options: DecideOptions) =>
    runCommand(options, () =>
      withAdminClient(options, async (client) => {
        const d = await client.decide({
          key: parseKeyArgument(keyText),
          bypassCache: options.bypassCache ?? false,
        });
        return {
          human: humanDecision(d),
          json: {
            decided: d.decided,
            digest: d.decided ? hex(d.digest) : null,
            value: d.decided ? d.value.toString('base64') : null,
            confidence: d.confidence,
            policy: d.policy,
            reason: d.reason,
            agreeing: d.agreeing.map(jsonVote),
            dissenting: d.dissenting.map(jsonVote),
            absent: d.absent.map(jsonVote),
            unavailable: d.unavailable.map(jsonVote),
            compromised: d.compromised.map(jsonVote),
          },
        };
      }),
    ),
  );
}
