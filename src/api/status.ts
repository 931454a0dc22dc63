import { status, type ServerErrorResponse } from '@grpc/grpc-js';
import { InvalidArgumentError, TallyError, VerificationError, type TallyErrorCode } from '../errors.js';

/*
 * TallyError codes <-> gRPC status codes. The mapping is one-to-one on tally's codes, so a client
 * recovers exactly the code the server raised.
 *
 * VERIFICATION_FAILED travels as DATA_LOSS, not FAILED_PRECONDITION: it means bytes (a proof, a
 * signature, stored data) are corrupt or forged, which is DATA_LOSS's "unrecoverable data
 * corruption", and both say "do not retry with the same input". FAILED_PRECONDITION means "fix the
 * system state, then retry", which does not fit, and grpc-js never produces DATA_LOSS itself, so
 * the code stays unambiguous. FAILED_PRECONDITION is tally's own FAILED_PRECONDITION: a state an
 * operator must repair first (a published log's database older than what its key published).
 */
const GRPC_STATUS: Record<TallyErrorCode, status> = {
  INVALID_ARGUMENT: status.INVALID_ARGUMENT,
  NOT_FOUND: status.NOT_FOUND,
  OUT_OF_RANGE: status.OUT_OF_RANGE,
  ALREADY_EXISTS: status.ALREADY_EXISTS,
  PERMISSION_DENIED: status.PERMISSION_DENIED,
  RESOURCE_EXHAUSTED: status.RESOURCE_EXHAUSTED,
  VERIFICATION_FAILED: status.DATA_LOSS,
  UNAVAILABLE: status.UNAVAILABLE,
  FAILED_PRECONDITION: status.FAILED_PRECONDITION,
  INTERNAL: status.INTERNAL,
};

/**
 * The other direction also covers the statuses tally servers never send but grpc-js or a foreign
 * peer can produce: timeouts, cancellations and aborts are worth retrying later (UNAVAILABLE), a
 * missing credential is a denial, and anything else means a broken or incompatible peer.
 */
const TALLY_CODE: ReadonlyMap<status, TallyErrorCode> = new Map<status, TallyErrorCode>([
  ...Object.entries(GRPC_STATUS).map(([tally, grpc]) => [grpc, tally as TallyErrorCode] as const),
  [status.DEADLINE_EXCEEDED, 'UNAVAILABLE'],
  [status.CANCELLED, 'UNAVAILABLE'],
  [status.ABORTED, 'UNAVAILABLE'],
  [status.UNAUTHENTICATED, 'PERMISSION_DENIED'],
]);

/** The gRPC status a server answers with for a TallyError code. */
export function grpcStatusOf(code: TallyErrorCode): status {
  return GRPC_STATUS[code];
}

/** The TallyError code a client raises for a gRPC status (INTERNAL for unexpected statuses). */
export function tallyCodeOf(grpcStatus: status): TallyErrorCode {
  return TALLY_CODE.get(grpcStatus) ?? 'INTERNAL';
}

/**
 * What a server handler passes to its callback when it fails. A TallyError keeps its message (it
 * names what is wrong for the caller); anything else is a bug whose text may expose internals,
 * so the caller only learns "internal error" and the handler must log the original.
 */
export function toGrpcError(err: unknown): ServerErrorResponse {
  const [code, message] =
    err instanceof TallyError ? [grpcStatusOf(err.code), err.message] : [status.INTERNAL, 'internal error'];
  return Object.assign(new Error(message), { code, details: message });
}

/**
 * The TallyError a client raises for a failed call: the code mapped back and the server's own
 * message (grpc-js `details`), prefixed with `context` (the RPC and peer) when given.
 * VERIFICATION_FAILED and INVALID_ARGUMENT come back as their subclasses, so `instanceof` works
 * on either side of the wire.
 */
export function tallyErrorFromGrpc(err: unknown, context?: string): TallyError {
  const { code, details } = grpcFields(err);
  const message = context === undefined ? details : `${context}: ${details}`;
  if (code === 'VERIFICATION_FAILED') return new VerificationError(message);
  if (code === 'INVALID_ARGUMENT') return new InvalidArgumentError(message);
  return new TallyError(code, message);
}

/** Code and text of a grpc-js ServiceError; anything else (a local bug) is INTERNAL. */
function grpcFields(err: unknown): { code: TallyErrorCode; details: string } {
  const text = err instanceof Error ? err.message : String(err);
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'number') {
    const details = 'details' in err && typeof err.details === 'string' ? err.details : text;
    // A status without a message still says something: its name, e.g. "NOT_FOUND".
    return { code: tallyCodeOf(err.code), details: details || (status[err.code] ?? `status ${err.code}`) };
  }
  return { code: 'INTERNAL', details: text };
}
