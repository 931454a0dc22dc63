import { Option, type Command } from 'commander';
import { connectAdmin, connectPublic, type AdminClient, type PublicClient } from '../api/client.js';
import { adminSocketOf } from '../config/state-paths.js';
import { InvalidArgumentError } from '../errors.js';
import { keyFromHashPart, storePathKey } from '../nix/index.js';

export interface ApiOptions {
  api: string;
  log: string;
  json?: boolean;
}

export interface AdminOptions {
  adminSocket?: string;
  adminAddress?: string;
  tokenFile?: string;
  state: string;
  json?: boolean;
}

/** Admin commands that write to one of the node's published logs. */
export interface SubmitTargetOptions extends AdminOptions {
  log: string;
}

/** --log: '' means the node's own published log; the server resolves names and IDs. */
const logOption = () =>
  new Option('--log <log>', "the log's configured name or its 64-hex-digit ID").default(
    '',
    "the node's own published log",
  );

/** --api and --log, shared by the commands that read a node's public API. */
export function addApiOptions(command: Command): Command {
  return command
    .option('--api <address>', 'public gRPC API of the node', '127.0.0.1:9002')
    .addOption(logOption())
    .option('--json', 'print one JSON object instead of text');
}

export function addAdminOptions(command: Command): Command {
  return command
    .option('--state <dir>', 'state directory of the local daemon (for its admin socket)', './tally-data')
    .option('--admin-socket <path>', 'admin Unix socket (default: <state>/admin.sock)')
    .option('--admin-address <host:port>', 'admin API over TCP instead of the socket (needs --token-file)')
    .option('--token-file <file>', 'file holding the admin bearer token')
    .option('--json', 'print one JSON object instead of text');
}

/** The admin options plus --log, for commands that submit entries to a published log. */
export function addSubmitTargetOptions(command: Command): Command {
  return addAdminOptions(command).addOption(logOption());
}

/** Runs `body` with a public client and always closes it. */
export async function withPublicClient<T>(
  options: ApiOptions,
  body: (c: PublicClient) => Promise<T>,
): Promise<T> {
  const client = connectPublic(options.api);
  try {
    return await body(client);
  } finally {
    client.close();
  }
}

export async function withAdminClient<T>(
  options: AdminOptions,
  body: (c: AdminClient) => Promise<T>,
): Promise<T> {
  let client: AdminClient;
  if (options.adminAddress) {
    if (!options.tokenFile) throw new InvalidArgumentError('--admin-address needs --token-file');
    const fs = await import('node:fs');
    client = connectAdmin({
      address: options.adminAddress,
      token: fs.readFileSync(options.tokenFile, 'utf8').trim(),
    });
  } else {
    client = connectAdmin({ socketPath: options.adminSocket ?? adminSocketOf(options.state) });
  }
  try {
    return await body(client);
  } finally {
    client.close();
  }
}

/**
 * A KEY argument: a Nix store path (/nix/store/<hash>-name), a bare 32-character Nix hash part,
 * or hex bytes. Store paths map to the same 20-byte key the post-build hook submits.
 */
export function parseKeyArgument(text: string): Buffer {
  if (text.includes('/')) return storePathKey(text);
  if (/^[0-9a-z]{32}$/.test(text) && !/^[0-9a-f]{32}$/.test(text)) return keyFromHashPart(text);
  if (/^([0-9a-f]{2})+$/.test(text)) return Buffer.from(text, 'hex');
  throw new InvalidArgumentError(
    `key ${JSON.stringify(text)} is not a store path, a Nix hash part or hex bytes`,
  );
}

export function parseIntegerArgument(text: string, what: string): number {
  if (!/^[0-9]{1,16}$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new InvalidArgumentError(`${what} must be a non-negative integer, got ${JSON.stringify(text)}`);
  }
  return Number(text);
}
