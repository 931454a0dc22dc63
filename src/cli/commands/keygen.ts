import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError, TallyError } from '../../errors.js';
import {
  assertKeyName,
  formatPublicKey,
  generateSecretKey,
  publicKeyOf,
  writeKeyPair,
} from '../../crypto/ed25519-keys.js';
import { formatVerifierKey } from '../../crypto/signed-note.js';
import { DEFAULT_PROTOCOL, assertProtocol, defaultOrigin, logIdOf } from '../../checkpoint/log-id.js';
import { addJsonOption, runCommand, type CommandResult } from '../output.js';
import { withExamples } from '../help.js';

interface KeygenOptions {
  name: string;
  out: string;
  protocol: string;
  json?: boolean;
}

export function registerKeygen(program: Command): void {
  const command = program
    .command('keygen')
    .description('generate an Ed25519 key pair (Nix key-file format) for a log or a cache')
    .requiredOption('--name <name>', 'key name: 1-128 characters of [A-Za-z0-9._+-]')
    .requiredOption('--out <dir>', 'directory for NAME.secret (mode 0600) and NAME.public')
    .option('--protocol <protocol>', 'protocol of the log ID to print', DEFAULT_PROTOCOL);
  withExamples(
    addJsonOption(command),
    [
      'tally keygen --name builder-1 --out /var/lib/tally/keys',
      'tally keygen --name cache-1 --out ./keys --json',
    ],
    'Writes DIR/NAME.secret (mode 0600) and DIR/NAME.public and never overwrites existing files (exit 2).',
  ).action((options: KeygenOptions) => runCommand(options, () => keygen(options)));
}

function keygen(options: KeygenOptions): CommandResult {
  assertKeyName(options.name);
  if (options.name.includes('+')) {
    // "+" is legal in Nix key names but not in signed-note key names, and this key signs checkpoints.
    throw new InvalidArgumentError(`key name ${JSON.stringify(options.name)} must not contain "+"`);
  }
  assertProtocol(options.protocol);
  for (const suffix of ['.secret', '.public']) {
    const file = path.join(options.out, options.name + suffix);
    if (fs.existsSync(file))
      throw new TallyError('ALREADY_EXISTS', `${file} already exists; refusing to overwrite it`);
  }
  const key = generateSecretKey(options.name);
  const { secretPath, publicPath } = writeKeyPair(options.out, key);
  const publicKey = publicKeyOf(key);
  const logId = logIdOf(publicKey, options.protocol);
  const fields = {
    secretKeyFile: secretPath,
    publicKeyFile: publicPath,
    publicKey: formatPublicKey(publicKey),
    verifierKey: formatVerifierKey(publicKey),
    protocol: options.protocol,
    logId,
    defaultOrigin: defaultOrigin(logId),
  };
  return {
    human: [
      `secret key:     ${fields.secretKeyFile} (mode 0600, keep it private)`,
      `public key:     ${fields.publicKey}`,
      `verifier key:   ${fields.verifierKey}`,
      `log ID:         ${fields.logId} (protocol ${fields.protocol})`,
      `default origin: ${fields.defaultOrigin}`,
    ].join('\n'),
    json: fields,
  };
}
