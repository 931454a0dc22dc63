import type { Logger } from 'pino';
import { TallyError } from '../errors.js';
import { isValidNoteKeyName } from '../crypto/signed-note.js';
import type { Config } from '../config/types.js';
import { witnessStoreDirOf, type StatePaths } from '../config/state-paths.js';
import type { TallyMetrics } from '../metrics/index.js';
import { ensureSecretKey } from '../publisher/published-log.js';
import { Witness } from '../witness-server/witness.js';
import { witnessedLogsOf } from '../witness-server/witnessed-logs.js';

/** Opens the witness of `[witness]`: its key (generated on first start by default) and its store. */
export async function openWitness(
  config: Config,
  paths: StatePaths,
  metrics: TallyMetrics,
  logger: Logger,
): Promise<Witness> {
  const { witness } = config;
  const key = ensureSecretKey(
    paths.witnessKeyFile,
    witness.name ?? 'witness',
    witness.keyFile === undefined,
    logger,
  );
  if (witness.name !== undefined && key.name !== witness.name) {
    throw new TallyError(
      'INVALID_ARGUMENT',
      `witness key ${paths.witnessKeyFile} is named ${JSON.stringify(key.name)}, but witness.name is ${JSON.stringify(witness.name)}`,
    );
  }
  if (!isValidNoteKeyName(key.name)) {
    throw new TallyError(
      'INVALID_ARGUMENT',
      `witness key name ${JSON.stringify(key.name)} cannot sign notes (it holds "+")`,
    );
  }
  return Witness.open({
    key,
    logs: witnessedLogsOf(witness, config.follow),
    storeDir: witnessStoreDirOf(paths.stateDir),
    logger: logger.child({ component: 'witness' }),
    countAnswer: (status) => metrics.witnessRequests.inc({ status: String(status) }),
  });
}
