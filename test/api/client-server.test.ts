import path from 'node:path';
import { Server, ServerCredentials, type Metadata } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { connectAdmin, connectPublic } from '../../src/api/client.js';
import {
  AdminServiceService,
  SubmitStatus,
  type AdminServiceServer,
  type SubmitResponse,
} from '../../src/api/gen/tally/v1/admin.js';
import { LogServiceService, type LogServiceServer } from '../../src/api/gen/tally/v1/log.js';
import { GRPC_MESSAGE_SIZE_OPTIONS } from '../../src/api/limits.js';
import { toGrpcError } from '../../src/api/status.js';
import { TallyError, VerificationError, type TallyErrorCode } from '../../src/errors.js';
import { tempDir } from '../helpers/tmp.js';

/*
 * Real grpc-js on both ends, over loopback TCP and a Unix socket, with a fake server that
 * implements GetHead and Submit the way the real handlers will: generated service definitions,
 * errors through toGrpcError.
 */

const LOG_ID = 'ab'.repeat(32);
const CHECKPOINT = `tally.example/log\n3\nq83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJ=\n\n— tally.example abc=\n`;
const TOKEN = 's3cret';
/** Larger than grpc-js's default 4 MiB receive limit. */
const HUGE_CHECKPOINT = 'x'.repeat(5 * 1024 * 1024);
const ALL_CODES: TallyErrorCode[] = [
  'INVALID_ARGUMENT',
  'NOT_FOUND',
  'OUT_OF_RANGE',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'VERIFICATION_FAILED',
  'UNAVAILABLE',
  'INTERNAL',
];

/** Metadata `authorization` values seen by Submit, in call order ('' when absent). */
const authorizationsSeen: string[] = [];
/** GetHead calls that are never answered, to exercise deadlines. */
const unanswered: unknown[] = [];

const logService: Pick<LogServiceServer, 'getHead'> = {
  getHead(call, callback) {
    const { logId } = call.request;
    if (logId === LOG_ID) return callback(null, { checkpoint: CHECKPOINT });
    if (logId === 'hang') return void unanswered.push(callback);
    if (logId === 'huge') return callback(null, { checkpoint: HUGE_CHECKPOINT });
    if (logId === 'crash') return callback(toGrpcError(new Error('ENOENT: /var/lib/tally/secret')));
    if ((ALL_CODES as string[]).includes(logId)) {
      return callback(toGrpcError(new TallyError(logId as TallyErrorCode, `fake failure ${logId}`)));
    }
    callback(toGrpcError(new TallyError('NOT_FOUND', `log ${logId} is not known here`)));
  },
};

const adminService: Pick<AdminServiceServer, 'submit'> = {
  submit(call, callback) {
    const authorization = authorizationOf(call.metadata);
    authorizationsSeen.push(authorization);
    if (authorization !== '' && authorization !== `Bearer ${TOKEN}`) {
      return callback(toGrpcError(new TallyError('PERMISSION_DENIED', 'wrong admin token')));
    }
    // Fake semantics: a key "taken" conflicts with index 7; everything else appends at 2^40 + i.
    const response: SubmitResponse = {
      checkpoint: CHECKPOINT,
      results: call.request.entries.map((entry, i) =>
        entry.key.toString() === 'taken'
          ? { status: SubmitStatus.CONFLICT, index: 7, existingDigest: Buffer.alloc(32, 0xee) }
          : { status: SubmitStatus.APPENDED, index: 2 ** 40 + i, existingDigest: Buffer.alloc(32, i) },
      ),
    };
    callback(null, response);
  },
};

function authorizationOf(metadata: Metadata): string {
  const [value] = metadata.get('authorization');
  return value === undefined ? '' : value.toString();
}

let server: Server;
let tcpAddress: string;
let socketPath: string;

beforeAll(async () => {
  socketPath = path.join(tempDir('tally-api-'), 'admin.sock');
  server = new Server(GRPC_MESSAGE_SIZE_OPTIONS);
  server.addService(LogServiceService, logService);
  server.addService(AdminServiceService, adminService);
  const bind = (target: string) =>
    new Promise<number>((resolve, reject) =>
      server.bindAsync(target, ServerCredentials.createInsecure(), (err, port) =>
        err ? reject(err) : resolve(port),
      ),
    );
  tcpAddress = `127.0.0.1:${await bind('127.0.0.1:0')}`;
  await bind(`unix://${socketPath}`);
});

afterAll(() => server.forceShutdown());

/** The rejection of `promise`, failing the test if it resolves. */
async function rejectionOf(promise: Promise<unknown>): Promise<TallyError> {
  const outcome = await promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome)) throw new Error(`expected a rejection, got ${JSON.stringify(outcome.value)}`);
  expect(outcome.error).toBeInstanceOf(TallyError);
  return outcome.error as TallyError;
}

describe('public client over TCP', () => {
  test('GetHead returns the checkpoint text unchanged', async () => {
    const client = connectPublic(tcpAddress);
    try {
      expect(await client.getHead({ logId: LOG_ID })).toEqual({ checkpoint: CHECKPOINT });
    } finally {
      client.close();
    }
  });

  test.each(ALL_CODES)('a server TallyError %s arrives as the same code with its message', async (code) => {
    const client = connectPublic(tcpAddress);
    try {
      const error = await rejectionOf(client.getHead({ logId: code }));
      expect(error.code).toBe(code);
      expect(error.message).toBe(`LogService.GetHead at ${tcpAddress}: fake failure ${code}`);
    } finally {
      client.close();
    }
  });

  test('a verification failure arrives as a VerificationError', async () => {
    const client = connectPublic(tcpAddress);
    try {
      expect(await rejectionOf(client.getHead({ logId: 'VERIFICATION_FAILED' }))).toBeInstanceOf(
        VerificationError,
      );
    } finally {
      client.close();
    }
  });

  test('a server bug arrives as INTERNAL without its internal message', async () => {
    const client = connectPublic(tcpAddress);
    try {
      const error = await rejectionOf(client.getHead({ logId: 'crash' }));
      expect(error.code).toBe('INTERNAL');
      expect(error.message).toBe(`LogService.GetHead at ${tcpAddress}: internal error`);
    } finally {
      client.close();
    }
  });

  test('an RPC the server does not implement is INTERNAL and named', async () => {
    const client = connectPublic(tcpAddress);
    try {
      const error = await rejectionOf(client.getEntries({ logId: LOG_ID, start: 0, end: 1 }));
      expect(error.code).toBe('INTERNAL');
      expect(error.message).toMatch(/^LogService\.GetEntries at 127\.0\.0\.1:\d+: .*does not implement/);
    } finally {
      client.close();
    }
  });

  test('the default deadline is replaced by deadlineMs and expiry is UNAVAILABLE', async () => {
    const client = connectPublic(tcpAddress, { deadlineMs: 200 });
    try {
      const started = Date.now();
      const error = await rejectionOf(client.getHead({ logId: 'hang' }));
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(error.code).toBe('UNAVAILABLE');
      expect(error.message).toMatch(/^LogService\.GetHead at 127\.0\.0\.1:\d+: Deadline exceeded/);
    } finally {
      client.close();
    }
  });

  test("a response above grpc-js's default 4 MiB limit arrives", async () => {
    const client = connectPublic(tcpAddress);
    try {
      expect((await client.getHead({ logId: 'huge' })).checkpoint).toBe(HUGE_CHECKPOINT);
    } finally {
      client.close();
    }
  });

  test('a call after close() is rejected with a TallyError naming the RPC', async () => {
    const client = connectPublic(tcpAddress);
    client.close();
    const error = await rejectionOf(client.getHead({ logId: LOG_ID }));
    expect(error.code).toBe('UNAVAILABLE');
    expect(error.message).toBe(`LogService.GetHead at ${tcpAddress}: client is closed`);
  });
});

describe('admin client', () => {
  const entries = [
    { key: Buffer.from('k0'), value: Buffer.from('v0') },
    { key: Buffer.from('taken'), value: Buffer.from('v1') },
    { key: Buffer.from('k2'), value: Buffer.from('v2') },
  ];
  const expectedResults = [
    { status: SubmitStatus.APPENDED, index: 2 ** 40, existingDigest: Buffer.alloc(32, 0) },
    { status: SubmitStatus.CONFLICT, index: 7, existingDigest: Buffer.alloc(32, 0xee) },
    { status: SubmitStatus.APPENDED, index: 2 ** 40 + 2, existingDigest: Buffer.alloc(32, 2) },
  ];

  test('over the Unix socket: Submit round-trips enums, 64-bit indices and bytes; no token sent', async () => {
    const client = connectAdmin({ socketPath });
    try {
      const seenBefore = authorizationsSeen.length;
      const response = await client.submit({ logId: '', entries });
      expect(response).toEqual({ checkpoint: CHECKPOINT, results: expectedResults });
      expect(authorizationsSeen.slice(seenBefore)).toEqual(['']);
    } finally {
      client.close();
    }
  });

  test('over TCP: the bearer token travels in the authorization metadata', async () => {
    const client = connectAdmin({ address: tcpAddress, token: TOKEN });
    try {
      const seenBefore = authorizationsSeen.length;
      const response = await client.submit({ logId: LOG_ID, entries });
      expect(response.results).toEqual(expectedResults);
      expect(authorizationsSeen.slice(seenBefore)).toEqual([`Bearer ${TOKEN}`]);
    } finally {
      client.close();
    }
  });

  test('over TCP: a wrong token is PERMISSION_DENIED with the server message', async () => {
    const client = connectAdmin({ address: tcpAddress, token: 'guess' });
    try {
      const error = await rejectionOf(client.submit({ logId: LOG_ID, entries }));
      expect(error.code).toBe('PERMISSION_DENIED');
      expect(error.message).toBe(`AdminService.Submit at ${tcpAddress}: wrong admin token`);
    } finally {
      client.close();
    }
  });

  test('a missing socket is UNAVAILABLE and names the RPC and the socket', async () => {
    const missing = path.join(path.dirname(socketPath), 'missing.sock');
    const client = connectAdmin({ socketPath: missing });
    try {
      const error = await rejectionOf(client.submit({ logId: '', entries }));
      expect(error.code).toBe('UNAVAILABLE');
      expect(error.message.startsWith(`AdminService.Submit at unix://${missing}: `)).toBe(true);
    } finally {
      client.close();
    }
  });

  test('an empty token over TCP is refused before connecting', () => {
    expect(() => connectAdmin({ address: tcpAddress, token: '' })).toThrow(/admin token must not be empty/);
  });
});
