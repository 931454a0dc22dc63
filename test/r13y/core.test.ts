import { describe, expect, it } from 'vitest';
import {
  applyChange,
  emptyTally,
  groupsOf,
  isDisputed,
  NameSearch,
  packageName,
  pairKey,
  summarize,
  withObservation,
  type Observation,
  type PathReport,
} from '../../src/r13y/index.js';

const obs = (logId: string, valueDigest: string, firstCheckpointSize = 1): Observation => ({
  logId,
  index: 0,
  valueDigest,
  narHash: `sha256:${valueDigest}`,
  narSize: valueDigest.length,
  firstCheckpointSize,
});

function build(name: string, ...observations: Observation[]): PathReport {
  let report: PathReport | undefined;
  for (const o of observations) report = withObservation(report, 'h-' + name, name, o);
  return report!;
}

describe('packageName', () => {
  it.each([
    ['hello-2.12.1', 'hello'],
    ['python3.11-requests-2.31.0', 'python3.11-requests'],
    ['hello', 'hello'],
    ['openssl-3.0.13-dev', 'openssl'],
    ['source', 'source'],
    ['foo-bar', 'foo-bar'],
    ['a-', 'a-'],
  ])('%s is package %s', (name, pkg) => {
    expect(packageName(name)).toBe(pkg);
  });
});

describe('path reports', () => {
  it('groups logs by value, largest group first, and tells agreement', () => {
    const agreeing = build('hello-1', obs('b', 'x'), obs('a', 'x'));
    expect(isDisputed(agreeing)).toBe(false);
    expect(agreeing.observations.map((o) => o.logId)).toEqual(['a', 'b']);
    expect(agreeing.disputedSince).toBeUndefined();

    const disputed = build('rand-1', obs('a', 'x', 3), obs('b', 'y', 5), obs('c', 'x', 7));
    expect(isDisputed(disputed)).toBe(true);
    expect(groupsOf(disputed)).toEqual([
      { valueDigest: 'x', narHash: 'sha256:x', narSize: 1, logs: ['a', 'c'] },
      { valueDigest: 'y', narHash: 'sha256:y', narSize: 1, logs: ['b'] },
    ]);
    // The observation that broke agreement is b's, at its checkpoint 5; c agreeing later does not move it.
    expect(disputed.disputedSince).toEqual({ logId: 'b', firstCheckpointSize: 5 });
  });

  it('ignores a second observation from the same log', () => {
    const once = build('p-1', obs('a', 'x'));
    expect(withObservation(once, once.hashPart, once.name, obs('a', 'y'))).toBe(once);
  });
});

describe('tally', () => {
  it('counts shared paths, packages and log pairs, and undoes a path’s old contribution', () => {
    const tally = emptyTally();
    const lone = build('lone-1', obs('a', 'x'));
    applyChange(tally, undefined, lone);
    expect(summarize(tally)).toMatchObject({
      paths: 1,
      shared: 0,
      agreeing: 0,
      disputed: 0,
      agreeShare: null,
    });

    const agreeing = build('hello-1', obs('a', 'x'), obs('b', 'x'));
    applyChange(tally, undefined, agreeing);
    const one = build('rand-1', obs('a', 'x'), obs('b', 'x'));
    applyChange(tally, undefined, one);
    const disputed = withObservation(one, one.hashPart, one.name, obs('c', 'z'));
    applyChange(tally, one, disputed);

    const summary = summarize(tally);
    expect(summary).toMatchObject({ paths: 3, shared: 2, agreeing: 1, disputed: 1, agreeShare: 0.5 });
    expect(summary.byPackage).toEqual([
      { name: 'rand', agreeing: 0, disputed: 1 },
      { name: 'hello', agreeing: 1, disputed: 0 },
    ]);
    expect(summary.byLogPair).toEqual([
      { logs: ['a', 'c'], shared: 1, disagreeing: 1 },
      { logs: ['b', 'c'], shared: 1, disagreeing: 1 },
      { logs: ['a', 'b'], shared: 2, disagreeing: 0 },
    ]);
    expect(tally.byPair[pairKey('c', 'a')]).toEqual({ shared: 1, disagreeing: 1 });
    expect(summarize(tally, 1).byPackage).toHaveLength(1);
  });
});

describe('NameSearch', () => {
  it('finds the names containing a text, each once, in the order added, paged', () => {
    const names = new NameSearch();
    for (const name of ['hello-2.12', 'rand-1', 'hello-hello-1', 'openssl-3', 'shellcheck-0.9'])
      names.add(name);
    expect(names.find('hello', 0, 50)).toEqual({ total: 2, numbers: [0, 2] });
    expect(names.find('ell', 1, 1)).toEqual({ total: 3, numbers: [2] });
    expect(names.find('-1', 0, 50)).toEqual({ total: 2, numbers: [1, 2] });
    // A match never spans two names.
    expect(names.find('1\nhello', 0, 50)).toEqual({ total: 0, numbers: [] });
    expect(names.find('3o', 0, 50).total).toBe(0);
    expect(names.find('', 3, 50)).toEqual({ total: 5, numbers: [3, 4] });
  });
});
