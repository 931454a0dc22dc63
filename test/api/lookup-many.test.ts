import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PublicClient } from '../../src/api/client.js';
import { MAX_LOOKUP_KEYS_PER_CALL } from '../../src/api/limits.js';
import { lookupAnswerFromResponse, lookupAnswerOf } from '../../src/api/lookup-answer.js';
import { verifyCheckpoint } from '../../src/checkpoint/checkpoint.js';
import { parsePublicKey, type PublicKey } from '../../src/crypto/ed25519-keys.js';
import { sha256 } from '../../src/crypto/sha256.js';
import { TallyError } from '../../src/errors.js';
import { verifyLookupAgainst, verifyLookupChain } from '../../src/verify/lookup-chain.js';
import { startDaemonProcess, testConfig, type DaemonProcess } from '../helpers/daemon.js';
import { tempDir } from '../helpers/tmp.js';

const keyOf = (n: number) => sha256(Buffer.from(`lookup-many ${n}`)).subarray(0, 20);
const valueOf = (n: number) => Buffer.from(`value of ${n}`);

describe('LookupMany through a real daemon', () => {
  let daemon: DaemonProcess;
  let client: PublicClient;
  let logId: string;
  let logKey: PublicKey;
  let origin: string;

  beforeAll(async () => {
    daemon = await startDaemonProcess({ stateDir: path.join(tempDir(), 'state'), config: testConfig() });
    const entries = Array.from({ length: 300 }, (_, n) => ({ key: keyOf(n), value: valueOf(n) }));
    await daemon.adminClient().submit({ logId: '', entries });
    client = daemon.publicClient();
    const [info] = (await client.listLogs({})).logs;
    [logId, logKey, origin] = [info!.logId, parsePublicKey(info!.publicKey), info!.origin];
  });
  afterAll(async () => {
    expect(await daemon.stop()).toBe(0);
  });

  const expectCode = async (call: Promise<unknown>, code: string, message: RegExp) => {
    const error = await call.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TallyError);
    expect((error as TallyError).code).toBe(code);
    expect((error as TallyError).message).toMatch(message);
  };

  it('answers present, absent and repeated keys in request order, each verifying on its own', async () => {
    // 0..99 present, 1000..1099 absent, then 5 repeated.
    const numbers = [
      ...Array.from({ length: 100 }, (_, i) => i),
      ...Array.from({ length: 100 }, (_, i) => 1000 + i),
      5,
      5,
    ];
    const keys = numbers.map(keyOf);
    const response = await client.lookupMany({ logId, keys, omitValue: [] });
    expect(response.answers).toHaveLength(keys.length);
    const checkpoint = verifyCheckpoint(response.checkpoint, logKey, origin);
    expect(checkpoint.size).toBe(300);
    numbers.forEach((n, i) => {
      const verified = verifyLookupAgainst(
        checkpoint,
        lookupAnswerOf(response.checkpoint, response.answers[i]!),
        keys[i]!,
      );
      expect(verified.present).toBe(n < 300);
      if (verified.present) expect(verified.value).toEqual(valueOf(n));
    });
    // The same answer as a single Lookup gives.
    const single = verifyLookupChain(
      lookupAnswerFromResponse(await client.lookup({ logId, key: keys[7]! })),
      keys[7]!,
      logKey,
      origin,
    );
    const many = verifyLookupAgainst(
      checkpoint,
      lookupAnswerOf(response.checkpoint, response.answers[7]!),
      keys[7]!,
    );
    expect(many).toEqual(single);
  });

  it('an answer moved to another key does not verify', async () => {
    const keys = [keyOf(1), keyOf(2)];
    const response = await client.lookupMany({ logId, keys, omitValue: [] });
    const checkpoint = verifyCheckpoint(response.checkpoint, logKey, origin);
    expect(() =>
      verifyLookupAgainst(checkpoint, lookupAnswerOf(response.checkpoint, response.answers[1]!), keys[0]!),
    ).toThrow(/map proof/);
  });

  it('leaves out the values asked to be omitted, and only those', async () => {
    const numbers = [1, 2, 1000, 3];
    const keys = numbers.map(keyOf);
    const omitValue = [true, false, true, true];
    const response = await client.lookupMany({ logId, keys, omitValue });
    const checkpoint = verifyCheckpoint(response.checkpoint, logKey, origin);
    numbers.forEach((n, i) => {
      const answer = response.answers[i]!;
      expect(answer.value).toEqual(n < 300 && !omitValue[i] ? valueOf(n) : Buffer.alloc(0));
      // The rest of the answer is whole: it verifies, with the value or without it.
      const verified = verifyLookupAgainst(
        checkpoint,
        lookupAnswerOf(response.checkpoint, answer, omitValue[i]),
        keys[i]!,
      );
      expect(verified.present).toBe(n < 300);
      if (verified.present) expect(verified.value).toEqual(omitValue[i] ? undefined : valueOf(n));
    });
  });

  it('refuses no keys, too many keys and a bad key, naming it', async () => {
    await expectCode(
      client.lookupMany({ logId, keys: [], omitValue: [] }),
      'INVALID_ARGUMENT',
      /0 keys; a call asks for 1\.\.256 keys/,
    );
    const tooMany = Array.from({ length: MAX_LOOKUP_KEYS_PER_CALL + 1 }, (_, i) => keyOf(i));
    await expectCode(
      client.lookupMany({ logId, keys: tooMany, omitValue: [] }),
      'INVALID_ARGUMENT',
      /257 keys/,
    );
    await expectCode(
      client.lookupMany({ logId, keys: [keyOf(1), keyOf(2), keyOf(3), Buffer.alloc(0)], omitValue: [] }),
      'INVALID_ARGUMENT',
      /keys\[3\]: 0 bytes/,
    );
    await expectCode(
      client.lookupMany({ logId, keys: [keyOf(1), keyOf(2)], omitValue: [true] }),
      'INVALID_ARGUMENT',
      /1 omit_value flags for 2 keys/,
    );
    await expectCode(
      client.lookupMany({ logId: 'cd'.repeat(32), keys: [keyOf(1)], omitValue: [] }),
      'NOT_FOUND',
      /cdcd/,
    );
    // Still serving.
    expect((await client.lookupMany({ logId, keys: [keyOf(3)], omitValue: [] })).answers[0]!.found).toBe(
      true,
    );
  });
});
