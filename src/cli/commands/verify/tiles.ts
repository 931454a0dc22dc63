import type { Command } from 'commander';
import { DEFAULT_FETCH_TIMEOUT_MS, HttpLogSource } from '../../../api/http-log-source.js';
import { verifyCheckpoint, type Checkpoint } from '../../../checkpoint/checkpoint.js';
import type { PublicKey } from '../../../crypto/ed25519-keys.js';
import { DIGEST_LENGTH } from '../../../crypto/sha256.js';
import { decodeCanonicalBase64 } from '../../../crypto/signed-note.js';
import { InvalidArgumentError, TallyError, VerificationError } from '../../../errors.js';
import { logResourcePath, parseLogResourcePath, type LogResource } from '../../../tiles/index.js';
import { TiledLogVerifier, type SignedTree } from '../../../verify/tiled-log.js';
import type { LogResourceSource } from '../../../verify/tile-sources.js';
import { parseIntegerArgument } from '../../api-options.js';
import { withExamples } from '../../help.js';
import { readPublicKeyArgument } from '../../key-argument.js';
import { addJsonOption, runCommand, type CommandResult } from '../../output.js';
import { valueText } from '../../value-text.js';

interface VerifyTilesOptions {
  key: string;
  origin?: string;
  from?: string;
  entry?: string[];
  timeout?: string;
  json?: boolean;
}

/**
 * A log read as C2SP tlog-tiles from any HTTP(S) server (a daemon, nginx, a CDN): the checkpoint's
 * signature, the tree, the entries asked for and optionally consistency with an older tree are
 * all checked here, from tiles fetched as needed; nothing the server says is trusted.
 */
export function registerVerifyTiles(verify: Command): void {
  const command = verify
    .command('tiles')
    .description('fetch a tlog-tiles log over HTTP(S) and verify its checkpoint, tree and entries')
    .argument('<url>', "the log's URL prefix, e.g. http://builder:9003/logs/<log id>/")
    .requiredOption('--key <pubkey>', 'the log key: a .public file, "name:base64" or a C2SP verifier key')
    .option('--origin <origin>', 'also require this origin line')
    .option('--from <size:root>', 'also verify the log extends this older tree (root in base64 or hex)')
    .option('--entry <index...>', 'verify these entries: leaf, inclusion proof and value')
    .option('--timeout <ms>', 'deadline for each resource, body included', String(DEFAULT_FETCH_TIMEOUT_MS));
  withExamples(
    addJsonOption(command),
    [
      'tally verify tiles http://builder:9003/logs/6f3c…/ --key builder-1.public',
      'tally verify tiles https://cache.example/log/ --key builder-1.public --from 1200:q3Vx…= --entry 7 1199',
    ],
    'Exit status 0 when all verifies, 1 when a signature, tile, bundle or proof does not (the message\n' +
      'names the resource), 2 for bad arguments (an entry past the checkpoint), 3 when a resource\n' +
      'cannot be fetched in time. HTTPS trusts the system CA store (and NODE_EXTRA_CA_CERTS).',
  ).action((url: string, options: VerifyTilesOptions) =>
    runCommand(options, () => verifyTiles(url, options)),
  );
}

async function verifyTiles(url: string, options: VerifyTilesOptions): Promise<CommandResult> {
  const key = readPublicKeyArgument(options.key);
  const from = options.from === undefined ? undefined : parseTreeArgument(options.from);
  const entries = (options.entry ?? []).map((text) => parseIntegerArgument(text, '--entry'));
  const timeoutMs = parseIntegerArgument(options.timeout ?? String(DEFAULT_FETCH_TIMEOUT_MS), '--timeout');
  if (timeoutMs < 1) throw new InvalidArgumentError('--timeout must be at least 1 ms');
  const http = new HttpLogSource(url, { timeoutMs });
  const fetched: string[] = [];
  const source: LogResourceSource = {
    get: (resource: LogResource) => {
      fetched.push(logResourcePath(resource));
      return http.get(resource);
    },
  };
  try {
    return await withResourceUrls(http.prefix, async () => {
      const checkpoint = await fetchCheckpoint(source, key, options.origin);
      for (const index of entries) {
        if (index >= checkpoint.size) {
          throw new InvalidArgumentError(`--entry ${index} is not in the log (size ${checkpoint.size})`);
        }
      }
      const verifier = new TiledLogVerifier({ size: checkpoint.size, root: checkpoint.logRoot }, source);
      await verifier.verifyRoot();
      if (from) await verifier.verifyConsistencyWith(from);
      const verified = await Promise.all(
        entries.map(async (index) => {
          const [entry, value] = await Promise.all([
            verifier.entry(index),
            verifier.value(index),
            verifier.inclusionProof(index),
          ]);
          return { ...entry, value };
        }),
      );
      return result(http.prefix.href, key, checkpoint, from, verified, fetched);
    });
  } finally {
    http.close();
  }
}

/** The log's checkpoint, signed by `key`; a malformed or forged one is a verification failure. */
async function fetchCheckpoint(
  source: LogResourceSource,
  key: PublicKey,
  origin?: string,
): Promise<Checkpoint> {
  const note = await source.get({ kind: 'checkpoint' });
  try {
    return verifyCheckpoint(note, key, origin);
  } catch (e) {
    if (!(e instanceof TallyError)) throw e;
    throw new VerificationError(`checkpoint: ${e.message}`);
  }
}

/**
 * Runs `body`, turning the resource paths a VerificationError starts with ("tile/0/005: ...")
 * into URLs under `prefix`, so the message names exactly what was fetched.
 */
async function withResourceUrls<T>(prefix: URL, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (e) {
    if (!(e instanceof VerificationError)) throw e;
    const colon = e.message.indexOf(': ');
    const paths = colon < 0 ? [] : e.message.slice(0, colon).split(', ');
    if (paths.length === 0 || !paths.every((p) => parseLogResourcePath(p) !== undefined)) throw e;
    const urls = paths.map((p) => new URL(p, prefix).href).join(', ');
    throw new VerificationError(`${urls}${e.message.slice(colon)}`);
  }
}

/** `SIZE:ROOT`, the root as canonical base64 (as checkpoints print it) or 64 hex digits. */
function parseTreeArgument(text: string): SignedTree {
  const colon = text.indexOf(':');
  if (colon < 0) throw new InvalidArgumentError(`--from ${JSON.stringify(text)}: expected SIZE:ROOT`);
  const size = parseIntegerArgument(text.slice(0, colon), '--from size');
  const rootText = text.slice(colon + 1);
  const root = /^[0-9a-f]{64}$/.test(rootText)
    ? Buffer.from(rootText, 'hex')
    : decodeCanonicalBase64(rootText, '--from root');
  if (root.length !== DIGEST_LENGTH) {
    throw new InvalidArgumentError(`--from root: ${root.length} bytes, expected ${DIGEST_LENGTH}`);
  }
  return { size, root };
}

function result(
  url: string,
  key: PublicKey,
  checkpoint: Checkpoint,
  from: SignedTree | undefined,
  entries: Array<{ index: number; key: Buffer; valueDigest: Buffer; leafHash: Buffer; value: Buffer }>,
  fetched: string[],
): CommandResult {
  const logRoot = checkpoint.logRoot.toString('base64');
  const fromText = from && `${from.size}:${Buffer.from(from.root).toString('base64')}`;
  return {
    human: [
      `tiles verified: ${url}`,
      `checkpoint verified by ${key.name}`,
      `origin:   ${checkpoint.origin}`,
      `size:     ${checkpoint.size}`,
      `log root: ${logRoot}`,
      ...(fromText ? [`consistent with ${fromText}`] : []),
      ...entries.flatMap((e) => [
        `entry ${e.index}: key ${e.key.toString('hex')}`,
        `  value digest ${e.valueDigest.toString('hex')}`,
        ...valueText(e.value)
          .split('\n')
          .map((line) => `  ${line}`),
      ]),
      `fetched ${fetched.length} resources`,
    ].join('\n'),
    json: {
      url,
      origin: checkpoint.origin,
      size: checkpoint.size,
      logRoot,
      verifiedBy: key.name,
      ...(fromText ? { consistentWith: fromText } : {}),
      entries: entries.map((e) => ({
        index: e.index,
        key: e.key.toString('hex'),
        valueDigest: e.valueDigest.toString('hex'),
        leafHash: e.leafHash.toString('hex'),
        value: e.value.toString('base64'),
      })),
      fetched,
    },
  };
}
