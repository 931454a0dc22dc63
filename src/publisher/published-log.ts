import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { defaultOrigin, logIdOf } from '../checkpoint/log-id.js';
import { cosignaturesFileOf, logStoreDirOf } from '../config/state-paths.js';
import type { PublishConfig } from '../config/types.js';
import {
  generateSecretKey,
  publicKeyOf,
  readSecretKeyFile,
  writeKeyPair,
  type PublicKey,
  type SecretKey,
} from '../crypto/ed25519-keys.js';
import { TallyError } from '../errors.js';
import { GroupCommitPublisher } from './group-commit.js';
import { CheckpointCopy, refuseToFork, type PublishedHeadSource } from './published-head.js';
import { LogStore } from '../store/log-store.js';
import { DirectoryTarget } from './directory-target.js';
import type { StaticTarget } from './static-target.js';
import { StaticCopy } from './static-copy.js';
import { WitnessCosignatures } from './witness-cosignatures.js';
import { WitnessSubmitter } from './witness-submitter.js';

/** A log this node publishes: its identity, its store and its group-commit publisher. */
export interface PublishedLog {
  id: string;
  name: string;
  protocol: string;
  publicKey: PublicKey;
  origin: string;
  meta: Record<string, string>;
  store: LogStore;
  publisher: GroupCommitPublisher;
  /** Static copies ([publish.static], [publish.s3]), each brought up to date after every commit. */
  copies: StaticCopy[];
  /** The witnesses' kept cosignatures: the served checkpoint is `cosignatures.withCosignatures(note)`. */
  cosignatures: WitnessCosignatures;
  /** One per [[publish.witness]], each handed every new checkpoint after its commit. */
  witnesses: WitnessSubmitter[];
}

/**
 * Reads a key file. A missing file is generated (mode 0600, the public half beside it) only when
 * it is the default one under state_dir (`generateIfMissing`): a configured key_file that is not
 * there is an error, never silently replaced by a new key and so a new log identity.
 */
export function ensureSecretKey(
  file: string,
  name: string,
  generateIfMissing: boolean,
  logger: Logger,
): SecretKey {
  if (fs.existsSync(file)) return readSecretKeyFile(file);
  if (!generateIfMissing) {
    throw new TallyError(
      'NOT_FOUND',
      `key file ${file} does not exist (only the default key file under state_dir is generated)`,
    );
  }
  const key = generateSecretKey(name);
  writeKeyPair(path.dirname(file), key, path.basename(file, '.secret'));
  logger.info({ keyFile: file }, 'generated a new key');
  return key;
}

export async function openPublishedLog(
  config: PublishConfig,
  keyFile: string,
  stateDir: string,
  logger: Logger,
): Promise<PublishedLog> {
  const key = ensureSecretKey(keyFile, config.name, config.keyFile === undefined, logger);
  const publicKey = publicKeyOf(key);
  const id = logIdOf(publicKey, config.protocol);
  const origin = config.origin ?? defaultOrigin(id);
  const databaseDir = logStoreDirOf(stateDir, id);
  const copy = CheckpointCopy.of(stateDir, id);
  const logLogger = logger.child({ log: config.name });
  const directory = config.staticDir === undefined ? undefined : DirectoryTarget.forLog(config.staticDir, id);
  const store = await LogStore.open(databaseDir, { key, origin, onCheckpoint: (note) => copy.write(note) });
  try {
    const head = store.getHead();
    const check = { logName: config.name, logId: id, publicKey, origin, databaseDir, keyFile };
    const sources = directory ? [copy, staticCheckpointSource(directory, logLogger)] : [copy];
    await refuseToFork(head.checkpoint, (size) => store.rootAt(size), sources, check);
    // From the first start (and after an upgrade from a version without it) the copy exists.
    if ((await copy.latest()) !== head.note) await copy.write(head.note);
  } catch (err) {
    await store.close();
    throw err;
  }
  const targets: StaticTarget[] = directory ? [directory] : [];
  if (config.s3 !== undefined) {
    // Loaded only when configured: the AWS SDK is slow to load and most starts do not use it.
    const { S3Target } = await import('./s3-target.js');
    targets.push(S3Target.forLog(config.s3, id));
  }
  const cosignatures = await WitnessCosignatures.open(
    cosignaturesFileOf(stateDir, id),
    config.witnesses.map((w) => w.publicKey),
    logLogger,
  );
  const served = (note: string) => cosignatures.withCosignatures(note);
  const copies = targets.map(
    (target) => new StaticCopy(store, target, { publicKey, origin, served }, logLogger),
  );
  const notifyCopies = () => copies.forEach((copy) => copy.notify());
  const witnesses = config.witnesses.map(
    (witness) => new WitnessSubmitter(store, witness, cosignatures, logLogger, notifyCopies),
  );
  const publisher = new GroupCommitPublisher(
    store,
    { maxBatchEntries: config.maxBatchEntries, maxBatchDelayMs: config.maxBatchDelayMs },
    logLogger,
    () => {
      notifyCopies();
      witnesses.forEach((witness) => witness.notify());
    },
  );
  // Catches each copy up from the checkpoint it holds (after a restart, a crash, a new target),
  // and offers each witness the current head (a no-op when it already cosigned it).
  notifyCopies();
  witnesses.forEach((witness) => witness.notify());
  return {
    id,
    name: config.name,
    protocol: config.protocol,
    publicKey,
    origin,
    meta: config.meta,
    store,
    publisher,
    copies,
    cosignatures,
    witnesses,
  };
}

/**
 * The static directory's checkpoint, as a source of what the key published: it may well outlive a
 * lost or restored state directory (another disk, a web server's). A directory that cannot be
 * read is skipped, not fatal; the copy itself then fails and says why.
 */
function staticCheckpointSource(directory: DirectoryTarget, logger: Logger): PublishedHeadSource {
  return {
    description: `the checkpoint of ${directory.description}`,
    latest: () =>
      directory.readCheckpoint().catch((err: unknown) => {
        logger.warn({ err }, `cannot read the checkpoint of ${directory.description}; not comparing with it`);
        return undefined;
      }),
  };
}

/** Published logs by ID or name; an empty ID means the node's own (first) published log. */
export class PublishedLogs {
  private readonly byId = new Map<string, PublishedLog>();

  constructor(readonly logs: PublishedLog[]) {
    for (const log of logs) this.byId.set(log.id, log);
  }

  get(logId: string): PublishedLog {
    if (logId === '') {
      const first = this.logs[0];
      if (!first) throw new TallyError('NOT_FOUND', 'this node publishes no log (publish.enabled = false)');
      return first;
    }
    const log = this.byId.get(logId) ?? this.logs.find((l) => l.name === logId);
    if (!log) throw new TallyError('NOT_FOUND', `unknown log ${logId}: this node does not publish it`);
    return log;
  }
}
