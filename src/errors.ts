/**
 * Typed errors shared by every layer. The code is stable and machine-readable (edges map it to
 * gRPC / HTTP statuses and exit codes); the message names what is wrong in words.
 */
export type TallyErrorCode =
  | 'INVALID_ARGUMENT'
  | 'NOT_FOUND'
  | 'OUT_OF_RANGE'
  | 'ALREADY_EXISTS'
  | 'PERMISSION_DENIED'
  | 'RESOURCE_EXHAUSTED'
  | 'VERIFICATION_FAILED'
  | 'UNAVAILABLE'
  | 'FAILED_PRECONDITION'
  | 'INTERNAL';

export class TallyError extends Error {
  constructor(
    readonly code: TallyErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'TallyError';
  }
}

/** A proof, signature or checkpoint did not verify. Never retryable with the same bytes. */
export class VerificationError extends TallyError {
  constructor(message: string) {
    super('VERIFICATION_FAILED', message);
    this.name = 'VerificationError';
  }
}

/** Bad input from a caller: names the field and what is wrong with it. */
export class InvalidArgumentError extends TallyError {
  constructor(message: string) {
    super('INVALID_ARGUMENT', message);
    this.name = 'InvalidArgumentError';
  }
}
