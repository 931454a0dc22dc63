import type { Logger } from 'pino';
import { TallyError } from '../../errors.js';
import type { Decider, Decision, Vote } from '../../decide/index.js';
import type { Follower } from '../../follower/index.js';
import type { Witness } from '../../witness-server/witness.js';
import type { DecideResponse, LogVote } from '../gen/tally/v1/admin.js';
import type { AdminExtensions } from './admin-service.js';
import { unary, type Guard } from './unary.js';
import { checkKey } from '../../entry/entry.js';
import { checkLogSelector } from './validate.js';

const EMPTY = Buffer.alloc(0);

const bytesOf = (hex: string | null | undefined): Buffer => (hex ? Buffer.from(hex, 'hex') : EMPTY);

const toLogVote = (vote: Vote): LogVote => ({
  logId: vote.logId,
  name: vote.logName,
  digest: bytesOf(vote.digest),
  detail: vote.detail ?? '',
});

export function toDecideResponse(decision: Decision): DecideResponse {
  return {
    decided: decision.decided,
    digest: bytesOf(decision.digest),
    value: decision.value ?? EMPTY,
    confidence: decision.confidence,
    policy: decision.policy,
    agreeing: decision.agreeing.map(toLogVote),
    dissenting: decision.dissenting.map(toLogVote),
    absent: decision.absent.map(toLogVote),
    unavailable: decision.unavailable.map(toLogVote),
    compromised: decision.compromised.map(toLogVote),
    reason: decision.reason,
  };
}

const notFollowing = (logId: string) =>
  new TallyError('NOT_FOUND', `log ${logId} is not followed by this node (it follows none)`);

/**
 * AdminService.Decide, GetEvidence and ResetFollowedLog. `guards` must be those of the listener the handlers are
 * served on (the bearer token over TCP). GetEvidence shows the follower's evidence and, for every
 * log, what this node's witness kept.
 */
export function createDecideHandlers(
  decider: Decider,
  follower: Follower | undefined,
  witness: Witness | undefined,
  logger: Logger,
  guards: Guard[],
): AdminExtensions {
  return {
    decide: unary(
      'Decide',
      logger,
      async ({ key, bypassCache }) => {
        checkKey(key, 'Decide: key');
        return toDecideResponse(await decider.decide(key, { bypassCache }));
      },
      guards,
    ),
    getEvidence: unary(
      'GetEvidence',
      logger,
      async ({ logId }) => {
        if (logId === '') {
          const evidence = follower ? await follower.evidence() : [];
          return { evidence, witnessEvidence: witness ? await witness.evidence() : [] };
        }
        checkLogSelector(logId);
        if (!follower) throw notFollowing(logId);
        return { evidence: await follower.evidence(follower.get(logId).id), witnessEvidence: [] };
      },
      guards,
    ),
    resetFollowedLog: unary(
      'ResetFollowedLog',
      logger,
      async ({ logId }) => {
        checkLogSelector(logId);
        if (!follower) throw notFollowing(logId);
        return await follower.reset(logId);
      },
      guards,
    ),
    auditLog: unary(
      'AuditLog',
      logger,
      async ({ logId }) => {
        checkLogSelector(logId);
        if (!follower) throw notFollowing(logId);
        const log = follower.get(logId);
        if (!log.mirrorOf) {
          throw new TallyError(
            'FAILED_PRECONDITION',
            `log ${log.name} is not mirrored: set mirror = true to audit it`,
          );
        }
        const outcome = await log.audit();
        const evidence = outcome.failure ? (await follower.evidence(log.id)).at(-1) : undefined;
        return {
          ok: outcome.failure === null,
          auditedSize: outcome.auditedSize,
          lastCheckedSize: outcome.lastCheckedSize,
          checkpointsChecked: outcome.checkpointsChecked,
          mirroredSize: log.mirrorOf.mirror.store.size,
          evidence,
        };
      },
      guards,
    ),
  };
}
