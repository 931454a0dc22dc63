import { readFileSync } from 'node:fs';

import { describe, expect, test } from 'vitest';

import { loadPolicy } from '../../src/policy/index.js';
import { A, absent, agrees, B, unavailable } from './votes.js';

/** The example policy exactly as docs/policies.md shows it. */
function exampleFromDocs(): string {
  const docs = readFileSync(new URL('../../docs/policies.md', import.meta.url), 'utf8');
  const block = /```lua\n(-- quorum-anchor\.lua[\s\S]*?)```/.exec(docs);
  if (!block?.[1]) throw new Error('docs/policies.md has no quorum-anchor.lua example');
  return block[1];
}

describe('the example policy in docs/policies.md', () => {
  const policy = loadPolicy({
    name: 'quorum-anchor',
    source: exampleFromDocs(),
    params: { quorum: 2, anchor: 'my-builder' },
  });

  test('decides when the anchor and enough others agree', () => {
    const outcome = policy.evaluate([agrees('my-builder', A), agrees('cache-a', A), unavailable('cache-b')]);
    expect(outcome).toEqual({ kind: 'decided', digest: A, confidence: 2 / 3 });
  });

  test('declines when the anchor is absent', () => {
    expect(policy.evaluate([absent('my-builder'), agrees('cache-a', A), agrees('cache-b', A)])).toEqual({
      kind: 'declined',
      reason: 'the anchor log my-builder is absent',
    });
  });

  test('declines below the quorum', () => {
    expect(policy.evaluate([agrees('my-builder', A), agrees('cache-a', B)])).toMatchObject({
      kind: 'declined',
      reason: '1 of 2 logs agree with my-builder, 2 needed',
    });
  });

  test('refuses bad params at load', () => {
    expect(() =>
      loadPolicy({ name: 'q', source: exampleFromDocs(), params: { quorum: 1.5, anchor: 'x' } }),
    ).toThrow(/param quorum must be a whole number/);
  });
});
