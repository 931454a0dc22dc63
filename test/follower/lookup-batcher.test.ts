import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PublicClient } from '../../src/api/client.js';
import type { LookupManyRequest } from '../../src/api/gen/tally/v1/log.js';
import { MAX_LOOKUP_KEYS_PER_CALL } from '../../src/api/limits.js';
import { verifyCheckpoint } from '../../src/checkpoint/checkpoint.js';
import { parsePublicKey, type PublicKey } from '../../src/crypto/ed25519-keys.js';
import { sha256 } from '../../src/crypto/sha256.js';
import { TallyError, VerificationError } from '../../src/errors.js';
import { LookupBatcher, grpcLookups } from '../../src/follower/lookup-batcher.js';
import { verifyLookupAgainst } from '../../src/verify/lookup-chain.js';
import { startDaemonProcess, testConfig, type DaemonProcess } from '../helpers/daemon.js';
import { tempDir } from '../helpers/tmp.js';

const keyOf = (n: number) => sha256(Buffer.from(`batcher ${n}`)).subarray(0, 20);
const valueOf = (n: number) => Buffer.from(`value ${n}`);

describe('LookupBatcher against a real daemon', () => {
  let daemon: DaemonProcess;
  let real: PublicClient;
  let logId: string;
  let logKey: PublicKey;
  let origin: string;

  beforeAll(async () => {
    daemon = await startDaemonProcess({ stateDir: path.join(tempDir(), 'state'), config: testConfig() });
    const entries = Array.from({ length: 1000 }, (_, n) => ({ key: keyOf(n), value: valueOf(n) }));
    await daemon.adminClient().submit({ logId: '', entries });
    real = daemon.publicClient();
    const [info] = (await real.listLogs({})).logs;
    [logId, logKey, origin] = [info!.logId, parsePublicKey(info!.publicKey), info!.origin];
  });
  afterAll(async () => {
    expect(await daemon.stop()).toBe(0);
  });

  /** The real client, recording the size of every LookupMany call. */
  const counting = (sizes: number[]): PublicClient =>
    ({
      lookupMany: (request: LookupManyRequest) => {
        sizes.push(request.keys.length);
        return real.lookupMany(request);
      },
    }) as unknown as PublicClient;

  const expectVerifiedValue = (answer: Awaited<ReturnType<LookupBatcher['lookup']>>, n: number) => {
    const checkpoint = verifyCheckpoint(answer.checkpointNote, logKey, origin);
    const verified = verifyLookupAgainst(checkpoint, answer, keyOf(n));
    expect(verified.present).toBe(n < 1000);
    if (verified.present) expect(verified.value).toEqual(valueOf(n));
  };

  it('shares calls among concurrent lookups, and each key gets its own answer', async () => {
    const sizes: number[] = [];
    const batcher = new LookupBatcher(grpcLookups(counting(sizes), logId));
    const asked: Promise<void>[] = [];
    // Lookups arriving over several turns of the event loop, as concurrent decisions ask them.
    for (let wave = 0; wave < 4; wave++) {
      for (let i = 0; i < 50; i++) {
        const n = wave * 50 + i + (i % 2 === 0 ? 0 : 5000); // odd ones absent
        asked.push(batcher.lookup(keyOf(n)).then((answer) => expectVerifiedValue(answer, n)));
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(asked);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(200);
    expect(sizes.length).toBeLessThanOrEqual(4);
  });

  it('splits a burst into calls of at most the per-call limit', async () => {
    const sizes: number[] = [];
    const batcher = new LookupBatcher(grpcLookups(counting(sizes), logId));
    const count = 2 * MAX_LOOKUP_KEYS_PER_CALL + 88;
    await Promise.all(
      Array.from({ length: count }, (_, n) =>
        batcher.lookup(keyOf(n)).then((answer) => expectVerifiedValue(answer, n)),
      ),
    );
    expect(sizes).toEqual([MAX_LOOKUP_KEYS_PER_CALL, MAX_LOOKUP_KEYS_PER_CALL, 88]);
  });

  it('a response with the wrong number of answers fails every lookup in it', async () => {
    const short = {
      lookupMany: async (request: LookupManyRequest) => {
        const response = await real.lookupMany(request);
        return { ...response, answers: response.answers.slice(1) };
      },
    } as unknown as PublicClient;
    const batcher = new LookupBatcher(grpcLookups(short, logId));
    const results = await Promise.allSettled([1, 2, 3].map((n) => batcher.lookup(keyOf(n))));
    for (const result of results) {
      expect(result.status).toBe('rejected');
      expect((result as PromiseRejectedResult).reason).toBeInstanceOf(VerificationError);
      expect(String((result as PromiseRejectedResult).reason)).toMatch(/2 answers for 3 keys/);
    }
  });

  it('a failed call fails its lookups with the server error, and later lookups still go out', async () => {
    let fail = true;
    const flaky = {
      lookupMany: (request: LookupManyRequest) =>
        fail ? real.lookupMany({ ...request, logId: 'ef'.repeat(32) }) : real.lookupMany(request),
    } as unknown as PublicClient;
    const batcher = new LookupBatcher(grpcLookups(flaky, logId));
    const failed = await Promise.allSettled([batcher.lookup(keyOf(1)), batcher.lookup(keyOf(2))]);
    for (const result of failed) {
      expect(result.status).toBe('rejected');
      expect(((result as PromiseRejectedResult).reason as TallyError).code).toBe('NOT_FOUND');
    }
    fail = false;
    expectVerifiedValue(await batcher.lookup(keyOf(3)), 3);
  });

  it('when a call fails as unavailable, the keys queued behind it fail at once instead of waiting for their own call', async () => {
    let calls = 0;
    let failCall: (err: unknown) => void = () => undefined;
    const hanging = {
      lookupMany: () => {
        calls++;
        return new Promise((_, reject) => (failCall = reject));
      },
    } as unknown as PublicClient;
    const batcher = new LookupBatcher(grpcLookups(hanging, logId));
    const first = batcher.lookup(keyOf(1));
    await new Promise((resolve) => setImmediate(resolve)); // the first call is now in flight
    const queued = [batcher.lookup(keyOf(2)), batcher.lookup(keyOf(3))];
    failCall(new TallyError('UNAVAILABLE', 'LookupMany at 127.0.0.1:1: deadline exceeded'));
    for (const result of await Promise.allSettled([first, ...queued])) {
      expect(result.status).toBe('rejected');
      expect(((result as PromiseRejectedResult).reason as TallyError).code).toBe('UNAVAILABLE');
    }
    expect(calls).toBe(1);
  });
});
