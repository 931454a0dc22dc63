import { describe, expect, it } from 'vitest';
import type { Checkpoint } from '../../src/checkpoint/checkpoint.js';
import { packHashes } from '../../src/crypto/hash-list.js';
import { sha256 } from '../../src/crypto/sha256.js';
import { consistencyFailure, judgeHead, nextPollDelayMs } from '../../src/follower/index.js';

const root = (label: string) => sha256(Buffer.from(label));
const cp = (size: number, logRoot: Buffer, mapRoot = root('map')): Checkpoint => ({
  origin: 'o',
  size,
  logRoot,
  mapRoot,
});

describe('judgeHead', () => {
  it('accepts the first head, notices the same one, asks for a proof for a larger one', () => {
    expect(judgeHead(undefined, cp(3, root('a'))).kind).toBe('first');
    expect(judgeHead(cp(3, root('a')), cp(3, root('a'))).kind).toBe('same');
    expect(judgeHead(cp(3, root('a')), cp(4, root('b'))).kind).toBe('newer');
    expect(judgeHead(cp(3, root('a')), cp(2, root('b'))).kind).toBe('older');
  });

  it('two log roots, or two map roots, at one size are a fork', () => {
    const logFork = judgeHead(cp(3, root('a')), cp(3, root('b')));
    expect(logFork).toMatchObject({ kind: 'misbehaved', evidence: 'fork' });
    const mapFork = judgeHead(cp(3, root('a'), root('m1')), cp(3, root('a'), root('m2')));
    expect(mapFork).toMatchObject({ kind: 'misbehaved', evidence: 'fork' });
  });
});

describe('consistencyFailure', () => {
  // The positive path with real proofs is covered end to end (misbehaviour.test.ts advances 1 -> 3).
  it('needs no proof from the empty tree, and names what fails for a wrong proof', () => {
    expect(consistencyFailure(cp(0, sha256(Buffer.alloc(0))), cp(7, root('b')), packHashes([]))).toBeNull();
    expect(consistencyFailure(cp(3, root('a')), cp(7, root('b')), packHashes([root('x')]))).toMatch(
      /consistency proof/,
    );
    expect(consistencyFailure(cp(0, root('not empty')), cp(7, root('b')), packHashes([]))).toMatch(/empty/);
  });
});

describe('nextPollDelayMs', () => {
  it('polls on the interval while healthy and backs off from 1 s, doubling, capped', () => {
    expect(nextPollDelayMs(30_000, 0, 0.5)).toBe(30_000);
    expect([1, 2, 3, 4].map((f) => nextPollDelayMs(30_000, f, 0.5))).toEqual([1000, 2000, 4000, 8000]);
    expect(nextPollDelayMs(30_000, 40, 0.5)).toBe(300_000);
    expect(nextPollDelayMs(1000, 0, 0)).toBe(900);
    expect(nextPollDelayMs(1000, 0, 0.999)).toBeLessThanOrEqual(1100);
  });
});
