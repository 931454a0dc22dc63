import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeNixValue, hashPartOfKey } from '../../src/nix/index.js';
import type { MirroredRecord } from '../../src/store/mirror-store.js';
import { R13yIndex, type MirroredValues } from '../../src/store/r13y-index.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'r13y-index-'));
  dirs.push(dir);
  return dir;
}

const NAR_HASH = (byte: number) => `sha256:${'1'.repeat(51)}${'0123456789abcdfg'[byte % 16]}`;

/** The values of the records below by digest, as a mirror holds them. */
const stored = new Map<string, Buffer>();
const values: MirroredValues = {
  values: async (digests) => digests.map((d) => stored.get(d.toString('hex'))!),
};

function withValue(value: Buffer): Buffer {
  const digest = crypto.createHash('sha256').update(value).digest();
  stored.set(digest.toString('hex'), value);
  return digest;
}

function record(
  index: number,
  key: Buffer,
  name: string,
  narByte: number,
  firstCheckpointSize = index + 1,
): MirroredRecord {
  const value = encodeNixValue({
    storePath: `/nix/store/${hashPartOfKey(key)}-${name}`,
    narHash: NAR_HASH(narByte),
    narSize: 100 + narByte,
    references: [],
  });
  return { index, key, valueDigest: withValue(value), firstCheckpointSize };
}

async function* from(records: MirroredRecord[]): AsyncGenerator<MirroredRecord> {
  yield* records;
}

describe('R13yIndex', () => {
  it('builds the report from several logs, persists it and resumes where each log stopped', async () => {
    const dir = tempDir();
    const same = crypto.randomBytes(20);
    const random = crypto.randomBytes(20);
    const lied = crypto.randomBytes(20);
    let index = await R13yIndex.open(dir);
    const at = () => new Date('2026-12-03T20:00:00Z');
    expect(
      await index.feed(
        'alpha',
        from([record(0, same, 'hello-2.12', 1), record(1, random, 'rand-1', 2)]),
        values,
        at,
      ),
    ).toBe(2);
    expect(
      await index.feed(
        'beta',
        from([record(0, same, 'hello-2.12', 1), record(1, random, 'rand-1', 3)]),
        values,
        at,
      ),
    ).toBe(2);
    expect(index.summary()).toMatchObject({ paths: 2, shared: 2, agreeing: 1, disputed: 1 });
    await index.close();

    index = await R13yIndex.open(dir);
    expect(await index.fedSize('alpha')).toBe(2);
    expect(await index.fedSize('gamma')).toBe(0);
    // A record not starting at the fed size is a bug in the caller, never silently counted.
    await expect(index.feed('alpha', from([record(0, lied, 'x-1', 1)]), values)).rejects.toThrow(
      /expected entry 2, got 0/,
    );
    await index.feed('alpha', from([record(2, lied, 'lie-1.0', 4, 10)]), values, at);
    await index.feed(
      'gamma',
      from([record(0, same, 'hello-2.12', 1), record(1, lied, 'lie-1.0', 5), record(2, random, 'rand-1', 2)]),
      values,
      at,
    );

    const summary = index.summary();
    expect(summary).toMatchObject({ paths: 3, shared: 3, agreeing: 1, disputed: 2 });
    expect(summary.byPackage.map((p) => [p.name, p.agreeing, p.disputed])).toEqual([
      ['lie', 0, 1],
      ['rand', 0, 1],
      ['hello', 1, 0],
    ]);
    expect(summary.byLogPair).toContainEqual({ logs: ['alpha', 'gamma'], shared: 3, disagreeing: 1 });

    const rand = await index.path(hashPartOfKey(random));
    expect(rand?.observations.map((o) => [o.logId, o.narSize, o.firstCheckpointSize])).toEqual([
      ['alpha', 102, 2],
      ['beta', 103, 2],
      ['gamma', 102, 3],
    ]);
    expect(rand?.disputedSince).toEqual({ logId: 'beta', firstCheckpointSize: 2 });

    const all = await index.disputes();
    expect(all.total).toBe(2);
    expect((await index.disputes({ name: 'rand' })).items).toEqual([
      { hashPart: hashPartOfKey(random), name: 'rand-1' },
    ]);
    expect(await index.disputes({ offset: 5 })).toEqual({ total: 2, items: [] });

    // Per pair: only the paths those two logs disagree on, whichever order the pair is asked in.
    expect(await index.pairDisputes('gamma', 'alpha')).toEqual({
      total: 1,
      items: [{ hashPart: hashPartOfKey(lied), name: 'lie-1.0' }],
    });
    expect((await index.pairDisputes('beta', 'gamma')).items.map((i) => i.name)).toEqual(['rand-1']);
    expect(await index.pairDisputes('alpha', 'beta', { offset: 1 })).toEqual({ total: 1, items: [] });

    const feed = await index.newlyDisputed(10);
    expect(feed.map((n) => [n.seq, n.name, n.logId])).toEqual([
      [1, 'lie-1.0', 'gamma'],
      [0, 'rand-1', 'beta'],
    ]);
    await index.close();
  });

  it('counts entries that are not Nix outputs as fed and leaves them out of the report', async () => {
    const index = await R13yIndex.open(tempDir());
    const value = Buffer.from('not a nix value');
    const odd: MirroredRecord = {
      index: 0,
      key: crypto.randomBytes(20),
      valueDigest: withValue(value),
      firstCheckpointSize: 1,
    };
    expect(await index.feed('alpha', from([odd]), values)).toBe(1);
    expect(index.summary().paths).toBe(0);
    await index.close();
  });
});
