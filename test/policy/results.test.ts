import { describe, expect, test } from 'vitest';

import { loadPolicy } from '../../src/policy/index.js';
import { A, absent, agrees, B } from './votes.js';

/** A policy whose function returns `results` whenever there are votes. */
const returning = (results: string) =>
  loadPolicy({
    name: 'returns',
    source: `return function(votes)
      if #votes == 0 then return nil, "no votes" end
      return ${results}
    end`,
  });

const VOTES = [agrees('x', A), agrees('y', A), absent('z')];

describe('what a policy returns', () => {
  test('digest, confidence decides', () => {
    expect(returning(`"${A}", 0.5`).evaluate(VOTES)).toEqual({
      kind: 'decided',
      digest: A,
      confidence: 0.5,
    });
  });

  test('nil, reason is undecided with that reason', () => {
    expect(returning('nil, "not today"').evaluate(VOTES)).toEqual({
      kind: 'declined',
      reason: 'not today',
    });
  });

  test('a digest the policy builds itself decides like the vote string', () => {
    expect(returning('string.rep("a", 64), 1').evaluate(VOTES)).toMatchObject({ kind: 'decided', digest: A });
    expect(returning('("A"):rep(64):lower(), 1').evaluate(VOTES)).toMatchObject({
      kind: 'decided',
      digest: A,
    });
  });

  test('confidence may be 0 or 1, and extra results are ignored', () => {
    expect(returning(`"${A}", 0`).evaluate(VOTES)).toMatchObject({ kind: 'decided', confidence: 0 });
    expect(returning(`"${A}", 1, "extra"`).evaluate(VOTES)).toMatchObject({ kind: 'decided', confidence: 1 });
  });

  test.each([
    ['a table', '{}', 'malformed result: returned a table where a digest (string) or nil was expected'],
    [
      'a number as digest',
      '12345, 1',
      'malformed result: returned a number where a digest (string) or nil was expected',
    ],
    [
      'a boolean',
      'true, 1',
      'malformed result: returned a boolean where a digest (string) or nil was expected',
    ],
    [
      'nothing',
      '',
      'malformed result: returned nil and a nil; an undecided policy returns nil and a reason string',
    ],
    [
      'nil without a reason',
      'nil',
      'malformed result: returned nil and a nil; an undecided policy returns nil and a reason string',
    ],
    [
      'nil with a number reason',
      'nil, 42',
      'malformed result: returned nil and a number; an undecided policy returns nil and a reason string',
    ],
    ['confidence 2', `"${A}", 2`, 'malformed result: confidence 2 is outside [0, 1]'],
    ['confidence -0.1', `"${A}", -0.1`, 'malformed result: confidence -0.1 is outside [0, 1]'],
    ['confidence NaN', `"${A}", 0/0`, 'malformed result: confidence NaN is outside [0, 1]'],
    ['confidence as a string', `"${A}", "1"`, 'malformed result: confidence is a string, not a number'],
    ['no confidence', `"${A}"`, 'malformed result: confidence is a nil, not a number'],
    [
      'an uppercase digest',
      `"${A.toUpperCase()}", 1`,
      `malformed result: digest "${A.toUpperCase()}" is not 64 lowercase hex digits`,
    ],
    ['a short digest', '"abc", 1', 'malformed result: digest "abc" is not 64 lowercase hex digits'],
    [
      '64 bytes that are not ASCII',
      'string.rep("\\195\\169", 32), 1',
      `malformed result: digest "${'é'.repeat(32)}" is not 64 lowercase hex digits`,
    ],
    [
      'a digest no log agrees on',
      `"${B}", 1`,
      `malformed result: digest ${B} is not the digest of any agreeing vote`,
    ],
  ])('%s is malformed, so undecided', (_name, results, reason) => {
    expect(returning(results).evaluate(VOTES)).toEqual({ kind: 'failed', reason, stopped: false });
  });

  test('the digest of an absent log is not an agreeing digest', () => {
    // The vote table has no digest for absent logs, but a policy could make one up.
    expect(returning(`"${B}", 1`).evaluate([agrees('x', A), absent('y')])).toMatchObject({
      kind: 'failed',
      reason: expect.stringMatching(/not the digest of any agreeing vote/),
    });
  });

  test('votes reach the policy as documented', () => {
    const policy = loadPolicy({
      name: 'echo',
      source: `return function(votes, params)
        local parts = {}
        for i, v in ipairs(votes) do
          parts[i] = table.concat({v.name, v.id, tostring(v.weight), v.status, tostring(v.digest)}, ",")
        end
        return nil, table.concat(parts, ";") .. "|" .. params.label .. "," .. params.level .. "," .. tostring(params.on) .. "," .. table.concat(params.logs, "+")
      end`,
      params: { label: 'L', level: 2.5, on: true, logs: ['a', 'b'] },
    });
    expect(policy.evaluate([agrees('x', A, 3), absent('y', 0.5)])).toMatchObject({
      reason: `x,id-x,3,agrees,${A};y,id-y,0.5,absent,nil|L,2.5,true,a+b`,
    });
  });
});
