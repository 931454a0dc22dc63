import type { Logger } from 'pino';
import { formatPublicKey } from '../../crypto/ed25519-keys.js';
import { TallyError } from '../../errors.js';
import type { PublishedLogs } from '../../publisher/published-log.js';
import type { LogInfo, NodeServiceServer } from '../gen/tally/v1/node.js';
import { logPrefixPath } from '../log-prefix.js';
import { unary, type Implementation } from './unary.js';
import { checkDigest } from './validate.js';

/** Extra rows for ListLogs (the logs this node follows), supplied by the follower when it runs. */
export type FollowedLogsSource = () => LogInfo[];

function tilesUrlOf(address: string | undefined, logId: string): string {
  return address === undefined ? '' : `http://${address}${logPrefixPath(logId)}`;
}

/** NodeService: which logs this node publishes and follows, and values by digest. Read-only. */
export function createNodeService(
  logs: PublishedLogs,
  logger: Logger,
  followed: FollowedLogsSource = () => [],
  httpAddress: () => string | undefined = () => undefined,
): Implementation<NodeServiceServer> {
  return {
    listLogs: unary('ListLogs', logger, () => ({
      logs: [
        ...logs.logs.map((log): LogInfo => ({
          logId: log.id,
          name: log.name,
          protocol: log.protocol,
          publicKey: formatPublicKey(log.publicKey),
          origin: log.origin,
          meta: log.meta,
          role: 'published',
          state: 'local',
          reason: '',
          headSize: log.store.size,
          headAgeSeconds: undefined,
          tilesUrl: tilesUrlOf(httpAddress(), log.id),
          witnessStatus: '',
          witnessCosigning: log.witnesses.map(({ status }) => ({
            name: status.name,
            url: status.url,
            cosignedSize: status.cosignedSize,
            lastError: status.lastError,
            lastAttemptAgeSeconds:
              status.lastAttemptMs === undefined
                ? undefined
                : Math.max(0, Math.floor((Date.now() - status.lastAttemptMs) / 1000)),
            failures: status.failures,
          })),
        })),
        ...followed(),
      ],
    })),

    getValue: unary('GetValue', logger, ({ digest }) => {
      checkDigest(digest, 'GetValue: digest');
      for (const log of logs.logs) {
        const value = log.store.getValue(digest);
        if (value) return { value };
      }
      throw new TallyError('NOT_FOUND', `GetValue: no value with digest ${digest.toString('hex')}`);
    }),
  };
}
