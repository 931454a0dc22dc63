import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateSecretKey } from '../../src/crypto/ed25519-keys.js';
import { sha256 } from '../../src/crypto/sha256.js';
import { TallyError } from '../../src/errors.js';
import { GroupCommitPublisher } from '../../src/publisher/group-commit.js';
import { LogStore } from '../../src/store/log-store.js';
import { tempDir } from '../helpers/tmp.js';

const origin = 'tally.test/group-commit';
const key = generateSecretKey('group-commit-test');
const entry = (n: number) => ({
  key: sha256(Buffer.from(`k${n}`)).subarray(0, 20),
  value: Buffer.from(`v${n}`),
});
const entries = (from: number, count: number) => Array.from({ length: count }, (_, i) => entry(from + i));

const stores: LogStore[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
});

async function openStore(): Promise<LogStore> {
  const store = await LogStore.open(path.join(tempDir(), 'log'), { key, origin });
  stores.push(store);
  return store;
}

/** The sizes at which the store signed a checkpoint: one per committed batch. */
function checkpointSizes(store: LogStore): number[] {
  const sizes: number[] = [];
  for (let size = 1; size <= store.size; size++)
    if (store.getCheckpointAt(size) !== undefined) sizes.push(size);
  return sizes;
}

describe('GroupCommitPublisher', () => {
  it('commits requests queued together in one batch: one checkpoint, each caller its own results', async () => {
    const store = await openStore();
    const publisher = new GroupCommitPublisher(store, { maxBatchEntries: 1000, maxBatchDelayMs: 0 });
    // The first request starts a batch at once; the nine queued meanwhile share the next one.
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, r) => publisher.submit(entries(r * 5, 5))),
    );
    expect(store.size).toBe(50);
    expect(checkpointSizes(store)).toEqual([5, 50]);
    answers.forEach((answer, r) => {
      expect(answer.results.map((result) => result.index)).toEqual([0, 1, 2, 3, 4].map((i) => r * 5 + i));
      // Answered only once covered by a signed checkpoint that contains the request's entries.
      expect(answer.head.checkpoint.size).toBe(r === 0 ? 5 : 50);
      expect(store.getCheckpointAt(answer.head.checkpoint.size)).toBe(answer.head.note);
    });
  });

  it('never splits a request, and keeps batches within maxBatchEntries unless one request is larger', async () => {
    const store = await openStore();
    const publisher = new GroupCommitPublisher(store, { maxBatchEntries: 10, maxBatchDelayMs: 0 });
    const sizes = [4, 4, 4, 4, 25, 3];
    let from = 0;
    const answers = await Promise.all(
      sizes.map((size) => {
        const submitted = publisher.submit(entries(from, size));
        from += size;
        return submitted;
      }),
    );
    // Batches: [4] starts at once; then [4, 4] (a third would exceed 10), [4], [25] alone, [3].
    expect(checkpointSizes(store)).toEqual([4, 12, 16, 41, 44]);
    expect(answers.map((a) => a.head.checkpoint.size)).toEqual([4, 12, 12, 16, 41, 44]);
  });

  it('waits maxBatchDelayMs to gather a larger batch', async () => {
    const store = await openStore();
    const publisher = new GroupCommitPublisher(store, { maxBatchEntries: 1000, maxBatchDelayMs: 50 });
    const first = publisher.submit(entries(0, 2));
    await new Promise((resolve) => setTimeout(resolve, 10));
    const second = publisher.submit(entries(2, 2)); // arrives within the delay of the first
    await Promise.all([first, second]);
    expect(checkpointSizes(store)).toEqual([4]);
  });

  it('drain refuses new requests and waits for the accepted ones', async () => {
    const store = await openStore();
    const publisher = new GroupCommitPublisher(store, { maxBatchEntries: 1000, maxBatchDelayMs: 0 });
    const accepted = [publisher.submit(entries(0, 3)), publisher.submit(entries(3, 3))];
    const drained = publisher.drain();
    await expect(publisher.submit(entries(6, 1))).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await drained;
    expect(store.size).toBe(6); // both accepted requests were committed before drain resolved
    expect((await Promise.all(accepted)).map((a) => a.head.checkpoint.size)).toEqual([3, 6]);
    await expect(publisher.submit(entries(6, 1))).rejects.toBeInstanceOf(TallyError);
  });

  it('a failed batch rejects every request in it, acknowledging none', async () => {
    const dir = path.join(tempDir(), 'log');
    const store = await LogStore.open(dir, { key, origin });
    const publisher = new GroupCommitPublisher(store, { maxBatchEntries: 1000, maxBatchDelayMs: 0 });
    await publisher.submit(entries(0, 2));
    await store.close(); // every integration from now on fails
    const outcomes = await Promise.allSettled([
      publisher.submit(entries(2, 1)),
      publisher.submit(entries(3, 1)),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    const reopened = await LogStore.open(dir, { key, origin });
    stores.push(reopened);
    expect(reopened.size).toBe(2);
  });
});
