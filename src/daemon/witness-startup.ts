import type { Logger } from 'pino';
import { TallyError } from '../errors.js';
import { parseNote, isValidNoteKeyName } from '../crypto/signed-note.js';
import type { SecretKey } from '../crypto/ed25519-keys.js';
import type { Config } from '../config/types.js';
import { witnessStoreDirOf, type StatePaths } from '../config/state-paths.js';
import type { Follower } from '../follower/index.js';
import type { TallyMetrics } from '../metrics/index.js';
import { ensureSecretKey } from '../publisher/published-log.js';
import { Witness, type AuditedCheckpointCheck } from '../witness-server/witness.js';
import { witnessedLogsOf } from '../witness-server/witnessed-logs.js';

/** Opens the witness of `[witness]`: its key(s) (generated on first start by default) and its store. */
export async function openWitness(
  config: Config,
  paths: StatePaths,
  metrics: TallyMetrics,
  logger: Logger,
  follower: Follower | undefined,
): Promise<Witness> {
  const { witness } = config;
  const key = witnessKey(
    paths.witnessKeyFile,
    witness.name,
    witness.keyFile === undefined,
    'witness',
    logger,
  );
  let audit: { key: SecretKey; audited: AuditedCheckpointCheck } | undefined;
  if (witness.audit) {
    const auditKey = witnessKey(
      paths.witnessAuditKeyFile,
      witness.auditName ?? (witness.auditKeyFile === undefined ? `${key.name}-audit` : undefined),
      witness.auditKeyFile === undefined,
      'witness audit',
      logger,
    );
    // tlog-cosignature: one Ed25519 key per set of statements (the message does not hold the name).
    if (Buffer.from(auditKey.publicKey).equals(Buffer.from(key.publicKey)) || auditKey.name === key.name) {
      throw new TallyError(
        'INVALID_ARGUMENT',
        'the witness audit key must be another key with another name than the witness key',
      );
    }
    audit = { key: auditKey, audited: auditedCheckpointOf(follower) };
  }
  return Witness.open({
    key,
    ...(audit ? { audit } : {}),
    logs: witnessedLogsOf(witness, config.follow),
    storeDir: witnessStoreDirOf(paths.stateDir),
    logger: logger.child({ component: 'witness' }),
    countAnswer: (status, seconds) => {
      metrics.witnessRequests.inc({ status: String(status) });
      metrics.witnessRequestDuration.observe(seconds);
    },
  });
}

function witnessKey(
  file: string,
  name: string | undefined,
  generate: boolean,
  what: string,
  logger: Logger,
): SecretKey {
  const key = ensureSecretKey(file, name ?? 'witness', generate, logger);
  if (name !== undefined && key.name !== name) {
    throw new TallyError(
      'INVALID_ARGUMENT',
      `${what} key ${file} is named ${JSON.stringify(key.name)}, but the configuration names it ${JSON.stringify(name)}`,
    );
  }
  if (!isValidNoteKeyName(key.name)) {
    throw new TallyError(
      'INVALID_ARGUMENT',
      `${what} key name ${JSON.stringify(key.name)} cannot sign notes (it holds "+")`,
    );
  }
  return key;
}

/**
 * What the audit key vouches for: a checkpoint of a log this node mirrors, stored by the mirror
 * with this very note text, at a size the audit has replayed (the audit checks the tree root and
 * the map root of every stored checkpoint it passes), of a log with no evidence against it.
 */
function auditedCheckpointOf(follower: Follower | undefined): AuditedCheckpointCheck {
  return async (origin, noteText, size) => {
    const log = follower?.logs.find((l) => l.origin === origin && l.mirrorOf !== undefined);
    if (log === undefined || log.compromised) return false;
    const { store } = log.mirrorOf!.mirror;
    if (store.auditedSize < size) return false;
    const [stored] = await store.checkpointsBetween(size, size);
    return stored !== undefined && parseNote(stored.note).text === noteText && !log.compromised;
  };
}
