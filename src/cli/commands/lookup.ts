import type { Command } from 'commander';
import { addApiOptions, parseKeyArgument, withPublicClient, type ApiOptions } from '../api-options.js';
import { readPublicKeyArgument } from '../key-argument.js';
import { runCommand } from '../output.js';
import { verifiedLookup } from '../verified-lookup.js';
import { withExamples } from '../help.js';

interface LookupOptions extends ApiOptions {
  key?: string;
}

export function registerLookup(program: Command): void {
  withExamples(
    addApiOptions(
      program
        .command('lookup')
        .description('look up KEY in a log and verify the whole proof chain client-side (exit 1 if it fails)')
        .argument('<key>', 'a Nix store path, a 32-character Nix hash part, or hex bytes')
        .option('--key <pubkey>', "the log's public key to trust (default: the key the node advertises)"),
    ),
    [
      'tally lookup /nix/store/0c0ahlb0gmr55r8fd7vl0ncy4lhn5dvr-hello',
      'tally lookup 0c0ahlb0gmr55r8fd7vl0ncy4lhn5dvr --api builder:9002 --key builder-1.public --json',
    ],
  ).action((keyText: string, options: LookupOptions) =>
    runCommand(options, () =>
      withPublicClient(options, (client) =>
        verifiedLookup(
          client,
          options.log,
          parseKeyArgument(keyText),
          options.key ? readPublicKeyArgument(options.key) : undefined,
        ),
      ),
    ),
  );
}
