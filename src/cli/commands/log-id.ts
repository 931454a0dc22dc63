import type { Command } from 'commander';
import { DEFAULT_PROTOCOL, defaultOrigin, logIdOf } from '../../checkpoint/log-id.js';
import { readPublicKeyArgument } from '../key-argument.js';
import { addJsonOption, runCommand, type CommandResult } from '../output.js';
import { withExamples } from '../help.js';

interface LogIdOptions {
  protocol: string;
  json?: boolean;
}

export function registerLogId(program: Command): void {
  const command = program
    .command('log-id')
    .description("print the log ID derived from a log's public key")
    .argument('<pubkey>', 'a .public file, a "name:base64" key or a C2SP verifier key')
    .option('--protocol <protocol>', 'protocol the log serves', DEFAULT_PROTOCOL);
  withExamples(
    addJsonOption(command),
    [
      'tally log-id /var/lib/tally/keys/builder-1.public',
      "tally log-id 'builder-1:nlRAKVkn0eR7Tq6UKFuJJ33DyYn37oC14tLAhNoqvq0=' --json",
    ],
    'Prints only the log ID (64 hex digits); --json adds the key name and the default origin.',
  ).action((pubkey: string, options: LogIdOptions) => runCommand(options, () => logId(pubkey, options)));
}

function logId(pubkey: string, options: LogIdOptions): CommandResult {
  const key = readPublicKeyArgument(pubkey);
  const id = logIdOf(key, options.protocol);
  return {
    human: id,
    json: { logId: id, protocol: options.protocol, keyName: key.name, defaultOrigin: defaultOrigin(id) },
  };
}
