import type { Command } from 'commander';
import { addApiOptions, parseKeyArgument, withPublicClient, type ApiOptions } from '../../api-options.js';
import { readPublicKeyArgument } from '../../key-argument.js';
import { runCommand } from '../../output.js';
import { verifiedLookup } from '../../verified-lookup.js';
import { withExamples } from '../../help.js';

export function registerVerifyLookup(verify: Command): void {
  withExamples(
    addApiOptions(
      verify
        .command('lookup')
        .description(
          'look KEY up and verify checkpoint -> map proof -> inclusion proof -> value against --key',
        )
        .argument('<key>', 'a Nix store path, a 32-character Nix hash part, or hex bytes')
        .requiredOption('--key <pubkey>', 'the log key you trust: a .public file or "name:base64"'),
    ),
    [
      'tally verify lookup 0c0ahlb0gmr55r8fd7vl0ncy4lhn5dvr --api builder:9002 --key builder-1.public',
      'tally verify lookup /nix/store/0c0ahlb0gmr55r8fd7vl0ncy4lhn5dvr-hello --key builder-1.public --json',
    ],
    "Unlike 'tally lookup', the key is required: nothing the node says about itself is trusted.",
  ).action((keyText: string, options: ApiOptions & { key: string }) =>
    runCommand(options, () =>
      withPublicClient(options, (client) =>
        verifiedLookup(client, options.log, parseKeyArgument(keyText), readPublicKeyArgument(options.key)),
      ),
    ),
  );
}
