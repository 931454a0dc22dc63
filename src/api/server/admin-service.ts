import crypto from 'node:crypto';
import type { ServerUnaryCall, UntypedServiceImplementation } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { InvalidArgumentError, TallyError } from '../../errors.js';
import type { PublishedLogs } from '../../publisher/published-log.js';
import type { SubmissionResult } from '../../store/log-store.js';
import { SubmitStatus, type AdminServiceServer, type SubmitResult } from '../gen/tally/v1/admin.js';
import { MAX_SUBMIT_ENTRIES } from '../limits.js';
import { unary, type Guard } from './unary.js';
import { checkEntries } from '../../entry/entry.js';
import { checkLogSelector } from './validate.js';

/** Admin RPCs served by later components (the decider) are plugged in here. */
export type AdminExtensions = Partial<
  Pick<AdminServiceServer, 'decide' | 'getEvidence' | 'resetFollowedLog' | 'auditLog'>
>;

/**
 * A guard for the TCP admin listener: the caller must present `authorization: Bearer <token>`.
 * Compared in constant time. The Unix socket needs no token: its file mode (0600) is the check.
 */
export function bearerTokenGuard(token: string): Guard {
  const expected = crypto.createHash('sha256').update(token).digest();
  return (call: ServerUnaryCall<unknown, unknown>) => {
    const header = call.metadata.get('authorization')[0];
    const presented =
      typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7) : undefined;
    if (presented === undefined)
      throw new TallyError('PERMISSION_DENIED', 'admin API over TCP requires a bearer token');
    const actual = crypto.createHash('sha256').update(presented).digest();
    if (!crypto.timingSafeEqual(actual, expected))
      throw new TallyError('PERMISSION_DENIED', 'admin token is wrong');
  };
}

function toProtoResult(result: SubmissionResult): SubmitResult {
  switch (result.status) {
    case 'appended':
      return { status: SubmitStatus.APPENDED, index: result.index, existingDigest: Buffer.alloc(0) };
    case 'already_present':
      return { status: SubmitStatus.ALREADY_PRESENT, index: result.index, existingDigest: Buffer.alloc(0) };
    case 'conflict':
      return { status: SubmitStatus.CONFLICT, index: result.index, existingDigest: result.existingDigest };
  }
}

export function createAdminService(
  logs: PublishedLogs,
  logger: Logger,
  guards: Guard[],
  extensions: AdminExtensions = {},
): UntypedServiceImplementation {
  const service: Partial<AdminServiceServer> = {
    submit: unary(
      'Submit',
      logger,
      async ({ logId, entries }) => {
        if (logId !== '') checkLogSelector(logId);
        const log = logs.get(logId);
        if (entries.length === 0) throw new InvalidArgumentError('Submit: entries is empty');
        if (entries.length > MAX_SUBMIT_ENTRIES) {
          throw new TallyError(
            'RESOURCE_EXHAUSTED',
            `Submit: ${entries.length} entries; at most ${MAX_SUBMIT_ENTRIES} per request`,
          );
        }
        checkEntries(entries, 'Submit: entries');
        const { results, head } = await log.publisher.submit(
          entries.map((e) => ({ key: e.key, value: e.value })),
        );
        return { results: results.map(toProtoResult), checkpoint: head.note };
      },
      guards,
    ),
  };
  if (extensions.decide) service.decide = extensions.decide;
  if (extensions.getEvidence) service.getEvidence = extensions.getEvidence;
  if (extensions.resetFollowedLog) service.resetFollowedLog = extensions.resetFollowedLog;
  if (extensions.auditLog) service.auditLog = extensions.auditLog;
  return service as UntypedServiceImplementation;
}
