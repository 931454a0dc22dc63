import { status } from '@grpc/grpc-js';
import { describe, expect, test } from 'vitest';
import { grpcStatusOf, tallyCodeOf, tallyErrorFromGrpc, toGrpcError } from '../../src/api/status.js';
import {
  InvalidArgumentError,
  TallyError,
  VerificationError,
  type TallyErrorCode,
} from '../../src/errors.js';

// Numeric gRPC codes from the gRPC spec (doc/statuscodes.md), written out rather than computed.
const EXPECTED: [TallyErrorCode, number][] = [
  ['INVALID_ARGUMENT', 3],
  ['NOT_FOUND', 5],
  ['OUT_OF_RANGE', 11],
  ['ALREADY_EXISTS', 6],
  ['PERMISSION_DENIED', 7],
  ['RESOURCE_EXHAUSTED', 8],
  ['VERIFICATION_FAILED', 15], // DATA_LOSS
  ['UNAVAILABLE', 14],
  ['FAILED_PRECONDITION', 9],
  ['INTERNAL', 13],
];

describe('code mapping', () => {
  test.each(EXPECTED)('%s <-> gRPC %i', (tallyCode, grpcCode) => {
    expect(grpcStatusOf(tallyCode)).toBe(grpcCode);
    expect(tallyCodeOf(grpcCode)).toBe(tallyCode);
  });

  test.each([
    [status.DEADLINE_EXCEEDED, 'UNAVAILABLE'],
    [status.CANCELLED, 'UNAVAILABLE'],
    [status.ABORTED, 'UNAVAILABLE'],
    [status.UNAUTHENTICATED, 'PERMISSION_DENIED'],
    [status.UNIMPLEMENTED, 'INTERNAL'],
    [status.UNKNOWN, 'INTERNAL'],
    [99, 'INTERNAL'],
  ])('statuses tally never sends: %i -> %s', (grpcCode, tallyCode) => {
    expect(tallyCodeOf(grpcCode)).toBe(tallyCode);
  });
});

describe('toGrpcError', () => {
  test('keeps a TallyError message as the details', () => {
    const error = toGrpcError(new TallyError('OUT_OF_RANGE', 'index 9 is beyond size 4'));
    expect([error.code, error.details, error.message]).toEqual([
      status.OUT_OF_RANGE,
      'index 9 is beyond size 4',
      'index 9 is beyond size 4',
    ]);
  });

  test('hides the text of anything that is not a TallyError', () => {
    const error = toGrpcError(new RangeError('/var/lib/tally/db: bad offset'));
    expect([error.code, error.details, error.message]).toEqual([
      status.INTERNAL,
      'internal error',
      'internal error',
    ]);
  });
});

describe('tallyErrorFromGrpc', () => {
  const serviceError = (code: number, details: string) =>
    Object.assign(new Error(`${code} X: ${details}`), { code, details });

  test('uses the details, not the grpc-js message, after the context', () => {
    const error = tallyErrorFromGrpc(
      serviceError(status.NOT_FOUND, 'no such log'),
      'LogService.GetHead at h:1',
    );
    expect([error.code, error.message]).toEqual(['NOT_FOUND', 'LogService.GetHead at h:1: no such log']);
  });

  test('DATA_LOSS and INVALID_ARGUMENT come back as their subclasses', () => {
    expect(tallyErrorFromGrpc(serviceError(status.DATA_LOSS, 'bad proof'))).toBeInstanceOf(VerificationError);
    expect(tallyErrorFromGrpc(serviceError(status.INVALID_ARGUMENT, 'bad key'))).toBeInstanceOf(
      InvalidArgumentError,
    );
  });

  test('a status without details is named', () => {
    expect(tallyErrorFromGrpc(serviceError(status.NOT_FOUND, '')).message).toBe('NOT_FOUND');
  });

  test('something that is not a gRPC error is INTERNAL with its message', () => {
    const error = tallyErrorFromGrpc(new TypeError('cannot read x'), 'ctx');
    expect([error.code, error.message]).toEqual(['INTERNAL', 'ctx: cannot read x']);
  });
});
