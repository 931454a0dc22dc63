import fs from 'node:fs';
import http2 from 'node:http2';
import path from 'node:path';
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_PUBLIC_REQUEST_BYTES } from '../../src/api/limits.js';
import { startDaemonProcess, testConfig, type DaemonProcess } from '../helpers/daemon.js';
import { grpcFrame, rawGrpcRequest } from '../helpers/raw-grpc.js';
import { tempDir } from '../helpers/tmp.js';

const rssMiB = (pid: number): number =>
  Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

/**
 * Issue 13, hostile input: after a flood of large requests the daemon's RSS was 615 MiB. grpc-js
 * holds a request whole before decoding it, up to the receive limit, so the public API's receive
 * limit is its largest real request (MAX_PUBLIC_REQUEST_BYTES), not api.max_message_bytes (4 MiB):
 * a larger request is refused from its length prefix, before its body is held.
 */
describe('memory under a flood of large requests', () => {
  let daemon: DaemonProcess;

  beforeAll(async () => {
    daemon = await startDaemonProcess({ stateDir: path.join(tempDir(), 'state'), config: testConfig() });
  });
  afterAll(async () => {
    expect(await daemon.stop()).toBe(0);
  });

  const connect = () => {
    const session = http2.connect(`http://${daemon.api}`);
    session.on('error', () => undefined);
    return session;
  };

  /** `count` requests of `body`, 20 at a time; the peak RSS seen and the statuses answered. */
  async function flood(body: Buffer, count: number) {
    const statuses = new Map<number | undefined, number>();
    const session = connect();
    let peak = 0;
    for (let sent = 0; sent < count; sent += 20) {
      const answers = await Promise.all(
        Array.from({ length: 20 }, () => rawGrpcRequest(session, '/tally.v1.LogService/LookupMany', body)),
      );
      for (const a of answers) statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
      peak = Math.max(peak, rssMiB(daemon.proc.pid!));
    }
    session.close();
    return { peak, statuses };
  }

  it('requests over the public limit are refused before they are held; RSS stays bounded', async () => {
    const before = rssMiB(daemon.proc.pid!);
    // Just under api.max_message_bytes: each was held whole (and copied) before; now refused at once.
    const nearOldLimit = await flood(grpcFrame(Buffer.alloc(4 * 1024 * 1024 - 100, 0xff)), 200);
    // Just under the public limit: held and decoded (garbage: INVALID_ARGUMENT).
    const nearLimit = await flood(grpcFrame(Buffer.alloc(MAX_PUBLIC_REQUEST_BYTES - 100, 0xff)), 200);
    expect([...nearLimit.statuses]).toEqual([[status.INVALID_ARGUMENT, 200]]);
    expect(nearOldLimit.statuses.get(status.OK)).toBeUndefined();
    // With 4 MiB requests held whole, 20 in flight took the RSS from ~118 to ~262 MiB (+144).
    expect(Math.max(nearOldLimit.peak, nearLimit.peak) - before).toBeLessThan(80);
    const session = connect();
    const still = await rawGrpcRequest(session, '/tally.v1.LogService/GetHead', grpcFrame(Buffer.alloc(0)));
    session.close();
    expect(still.status).toBe(status.OK);
  }, 120_000);
});
