import fs from 'node:fs';
import http2 from 'node:http2';
import net from 'node:net';
import path from 'node:path';
import zlib from 'node:zlib';
import { Client, credentials, Metadata, status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAdmin, type PublicClient } from '../../src/api/client.js';
import { sha256 } from '../../src/crypto/sha256.js';
import { startDaemonProcess, testConfig, type DaemonProcess } from '../helpers/daemon.js';
import { grpcFrame, rawGrpcRequest } from '../helpers/raw-grpc.js';
import { tempDir } from '../helpers/tmp.js';

/** Sends raw bytes as the request of a method, bypassing the typed encoder. */
function rawCall(address: string, method: string, body: Buffer): Promise<{ code: number; details: string }> {
  const client = new Client(address, credentials.createInsecure());
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      method,
      (b: Buffer) => b,
      (b: Buffer) => b,
      body,
      new Metadata(),
      { deadline: Date.now() + 5000 },
      (err) => {
        client.close();
        resolve(err ? { code: err.code, details: err.details } : { code: status.OK, details: '' });
      },
    );
  });
}

function sendGarbage(connect: net.NetConnectOpts): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect(connect, () => {
      socket.write(
        Buffer.concat([
          Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'),
          sha256(Buffer.from('x')),
          Buffer.alloc(4096, 0xff),
        ]),
      );
      socket.write(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
      setTimeout(() => socket.destroy(), 200);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => resolve());
  });
}

describe('hostile requests', () => {
  let daemon: DaemonProcess;
  let client: PublicClient;
  const key = sha256(Buffer.from('present')).subarray(0, 20);

  beforeAll(async () => {
    daemon = await startDaemonProcess({ stateDir: path.join(tempDir(), 'state'), config: testConfig() });
    client = daemon.publicClient();
    await daemon.adminClient().submit({ logId: '', entries: [{ key, value: Buffer.from('v') }] });
  });
  afterAll(async () => {
    expect(await daemon.stop()).toBe(0);
  });

  const stillServing = async () => {
    expect((await client.getHead({ logId: '' })).checkpoint).toContain('\n1\n');
  };

  it('undecodable bytes: INVALID_ARGUMENT naming the message', async () => {
    // A length-delimited field whose length runs past the end of the message.
    const answer = await rawCall(daemon.api, '/tally.v1.LogService/Lookup', Buffer.from([0x12, 0x7f, 0x01]));
    expect(answer.code).toBe(status.INVALID_ARGUMENT);
    expect(answer.details).toMatch(/not a valid message/);
    await stillServing();
  });

  it('wrong field types: the key sent as a varint is no key, INVALID_ARGUMENT', async () => {
    const answer = await rawCall(daemon.api, '/tally.v1.LogService/Lookup', Buffer.from([0x10, 0x05]));
    expect(answer.code).toBe(status.INVALID_ARGUMENT);
    expect(answer.details).toMatch(/key: 0 bytes/);
    await stillServing();
  });

  it('garbage gzip or deflate bodies and a malformed grpc-timeout: INVALID_ARGUMENT, never INTERNAL', async () => {
    const session = http2.connect(`http://${daemon.api}`);
    session.on('error', () => undefined);
    const getHead = '/tally.v1.LogService/GetHead';
    try {
      for (const encoding of ['gzip', 'deflate']) {
        const answer = await rawGrpcRequest(
          session,
          getHead,
          grpcFrame(Buffer.from('not compressed'), true),
          {
            'grpc-encoding': encoding,
          },
        );
        expect(answer).toEqual({
          status: status.INVALID_ARGUMENT,
          message: 'request refused: Failed to decompress message',
        });
      }
      for (const timeout of ['soon', 'S', '5x']) {
        const answer = await rawGrpcRequest(session, getHead, grpcFrame(Buffer.alloc(0)), {
          'grpc-timeout': timeout,
        });
        expect(answer).toEqual({
          status: status.INVALID_ARGUMENT,
          message: `request refused: Invalid grpc-timeout value "${timeout}"`,
        });
      }
      // A well-formed timeout and real gzip still work.
      const fine = await rawGrpcRequest(session, getHead, grpcFrame(zlib.gzipSync(Buffer.alloc(0)), true), {
        'grpc-encoding': 'gzip',
        'grpc-timeout': '5S',
      });
      expect(fine.status).toBe(status.OK);
    } finally {
      session.close();
    }
    await stillServing();
  });

  it('a 10 MiB key: RESOURCE_EXHAUSTED, and a 300-byte key: INVALID_ARGUMENT', async () => {
    await expect(client.lookup({ logId: '', key: Buffer.alloc(10 * 2 ** 20, 1) })).rejects.toMatchObject({
      code: 'RESOURCE_EXHAUSTED',
    });
    await expect(client.lookup({ logId: '', key: Buffer.alloc(300, 1) })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(/key: 300 bytes/),
    });
    await stillServing();
  });

  it('ranges past the end and size 0', async () => {
    await expect(client.getEntries({ logId: '', start: 5, end: 10 })).rejects.toMatchObject({
      code: 'OUT_OF_RANGE',
    });
    await expect(client.getInclusionProof({ logId: '', index: 0, size: 2 })).rejects.toMatchObject({
      code: 'OUT_OF_RANGE',
    });
    await expect(client.getInclusionProof({ logId: '', index: 0, size: 0 })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    await expect(client.getConsistencyProof({ logId: '', fromSize: 0, toSize: 1 })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    await expect(client.getConsistencyProof({ logId: '', fromSize: 1, toSize: 9 })).rejects.toMatchObject({
      code: 'OUT_OF_RANGE',
    });
    await expect(client.getEntries({ logId: '', start: 3, end: 1 })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    await stillServing();
  });

  it('an unknown log or name: NOT_FOUND; a malformed log id: INVALID_ARGUMENT', async () => {
    await expect(client.getHead({ logId: 'ab'.repeat(32) })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringMatching(/unknown log/),
    });
    await expect(client.getHead({ logId: 'not-a-log' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(client.getHead({ logId: 'not hex!' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(client.getValue({ digest: Buffer.alloc(5) })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    await expect(client.getValue({ digest: Buffer.alloc(32) })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await stillServing();
  });

  it('bad submissions are refused whole, naming the entry', async () => {
    const admin = connectAdmin({ socketPath: daemon.adminSocket });
    await expect(
      admin.submit({
        logId: '',
        entries: [
          { key: Buffer.alloc(20, 7), value: Buffer.from('ok') },
          { key: Buffer.alloc(0), value: Buffer.from('x') },
        ],
      }),
    ).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(/entries\[1\]\.key/),
    });
    await expect(admin.submit({ logId: '', entries: [] })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    await expect(
      admin.submit({
        logId: '',
        entries: Array.from({ length: 10_001 }, (_, i) => ({
          key: sha256(Buffer.from([i & 255, i >> 8])).subarray(0, 20),
          value: Buffer.from('v'),
        })),
      }),
    ).rejects.toMatchObject({ code: 'RESOURCE_EXHAUSTED' });
    admin.close();
    // Nothing of the refused requests was appended.
    expect((await client.getHead({ logId: '' })).checkpoint).toContain('\n1\n');
  });

  it('garbage bytes on the API port and on the admin socket', async () => {
    const [host, port] = daemon.api.split(':');
    for (let i = 0; i < 5; i++) {
      await sendGarbage({ host, port: Number(port) });
      await sendGarbage({ path: daemon.adminSocket });
    }
    await stillServing();
    expect(fs.existsSync(daemon.adminSocket)).toBe(true);
    expect(daemon.proc.exitCode).toBeNull();
  });

  it('the admin API is not served on the public port', async () => {
    const answer = await rawCall(daemon.api, '/tally.v1.AdminService/Submit', Buffer.alloc(0));
    expect(answer.code).toBe(status.UNIMPLEMENTED);
  });
});
