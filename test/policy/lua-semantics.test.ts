import { describe, expect, test } from 'vitest';

import { loadPolicy } from '../../src/policy/index.js';

/** The reason a policy gives for `return nil, <expression>`. */
const reasonOf = (expression: string, params = {}) =>
  loadPolicy({
    name: 'p',
    source: `return function(votes, params) return nil, ${expression} end`,
    params,
  }).evaluate([]);

describe('Lua as policies see it', () => {
  test('strings order by bytes (fengari alone orders "a\\15" after "a\\16")', () => {
    expect(
      reasonOf('tostring("a\\15" < "a\\16") .. tostring("b" > "a") .. tostring("" < "\\0")'),
    ).toMatchObject({
      reason: 'truetruetrue',
    });
  });

  test('strings work as table keys, including bytes above 127', () => {
    expect(
      reasonOf(
        '(function() local t = {["\\200x"] = 1, ["\\200y"] = 2} return t["\\200x"] .. t["\\200y"] end)()',
      ),
    ).toMatchObject({
      reason: '12',
    });
  });

  test('whole-number params are integers, others floats', () => {
    expect(
      reasonOf('math.type(params.n) .. " " .. math.type(params.f) .. " " .. tostring(params.n)', {
        n: 3,
        f: 0.5,
      }),
    ).toMatchObject({
      reason: 'integer float 3',
    });
  });

  test('patterns, methods on strings and pcall work as in Lua 5.3', () => {
    expect(
      reasonOf(
        '("cache-a.example"):match("^(%w+)%-") .. select(2, pcall(error, "e", 0)) .. #string.format("%5.1f", 1)',
      ),
    ).toMatchObject({ reason: 'cachee5' });
  });

  test('library tables read like tables but enumerate as empty', () => {
    expect(reasonOf('type(string.rep) .. tostring(next(string))')).toMatchObject({ reason: 'functionnil' });
  });
});
