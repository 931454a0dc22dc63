import fs from 'node:fs';
import type { Command } from 'commander';
import { InvalidArgumentError } from '../../../errors.js';
import { verifyR13yEvidence, type R13yEvidence } from '../../../verify/r13y-evidence.js';
import { readPublicKeyArgument } from '../../key-argument.js';
import { addJsonOption, runCommand } from '../../output.js';
import { withExamples } from '../../help.js';

/** Offline check of the evidence `tally r13y show --json` printed (docs/PROTOCOL.md). */
export function registerVerifyR13yEvidence(verify: Command): void {
  withExamples(
    addJsonOption(
      verify
        .command('r13y-evidence')
        .description(
          "verify a dispute's evidence offline: each log's signed checkpoint, inclusion proof and value",
        )
        .argument(
          '<file>',
          'the evidence JSON, or the --json output of tally r13y show ("-" reads standard input)',
        )
        .option(
          '--key <pubkey>',
          'trust only these log keys (a .public file or "name:base64"; repeatable); by default each key must give its log ID',
          (value: string, previous: string[]) => [...previous, value],
          [] as string[],
        ),
    ),
    [
      'tally verify r13y-evidence evidence.json',
      'tally verify r13y-evidence evidence.json --key builder-1.public --key builder-2.public',
    ],
  ).action((file: string, options: { key: string[]; json?: boolean }) =>
    runCommand(options, () => {
      const text = fs.readFileSync(file === '-' ? 0 : file, 'utf8');
      let parsed: { evidence?: R13yEvidence } & R13yEvidence;
      try {
        parsed = JSON.parse(text) as typeof parsed;
      } catch {
        throw new InvalidArgumentError(`${file} is not JSON`);
      }
      const evidence = parsed.evidence ?? parsed;
      const trusted = options.key.length > 0 ? options.key.map(readPublicKeyArgument) : undefined;
      const verified = verifyR13yEvidence(evidence, trusted);
      const human = [
        `verified: ${evidence.logs.length} log(s) committed to values for /nix/store/${verified.hashPart}-${verified.name}; ${verified.disputed ? 'they DISAGREE' : 'they agree'}`,
        ...verified.groups.map((g) => `  ${g.narHash} ${g.narSize} bytes: ${g.logs.join(', ')}`),
      ].join('\n');
      return { human, json: { verified } };
    }),
  );
}
