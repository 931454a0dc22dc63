import { describe, expect, test } from 'vitest';

import { expectContained, hostile } from './hostile.js';

/** So that the limit under test trips first, even on a cold JIT or a loaded machine. */
const PATIENT = { timeMs: 60_000 };
const INSTRUCTIONS = /^stopped: exceeded the instruction limit of 1000000$/;
const MEMORY = /^stopped: exceeded the memory limit of \d+ bytes$/;
/** A smaller memory limit keeps the growth tests quick; what trips it is the same. */
const GROWTH = { ...PATIENT, instructions: 1e9, memoryBytes: 8 * 1024 * 1024 };
const STRING = /^stopped: a string of \d+ bytes exceeds the string limit of 65536 bytes$/;

describe('a policy cannot run away with time', () => {
  test('an endless loop', () => {
    expectContained(hostile('while true do end', PATIENT), INSTRUCTIONS);
  });

  test('an endless loop inside pcall, inside an endless loop', () => {
    expectContained(
      hostile('while true do pcall(function() while true do end end) end', PATIENT),
      INSTRUCTIONS,
    );
  });

  test('endless recursion through a sort comparator', () => {
    expectContained(
      hostile('table.sort({3, 2, 1}, function(a, b) while true do end end)', PATIENT),
      INSTRUCTIONS,
    );
  });

  test('a backtracking pattern inside one string.find', () => {
    expectContained(hostile('string.find(string.rep("a", 5000), ".-.-.-.-b")', PATIENT), INSTRUCTIONS);
  });

  test('string.rep of an empty string a billion times', () => {
    expectContained(hostile('string.rep("", 1e9)'), INSTRUCTIONS);
  });

  test('string.rep of a short string, many times over', () => {
    expectContained(hostile('for i = 1, 100 do string.rep("x", 60000) end', PATIENT), INSTRUCTIONS);
  });

  test('table.move over a billion indices', () => {
    expectContained(hostile('table.move({}, 1, 1e9, 2)'), INSTRUCTIONS);
  });

  test('table.insert into a table whose __len claims a billion entries', () => {
    const attack =
      'table.insert(setmetatable({}, {__len = function() return 1e9 end, __index = {}, __newindex = {}}), 1, 0)';
    expectContained(hostile(attack), INSTRUCTIONS);
  });

  test('table.unpack of a million values', () => {
    expectContained(hostile('select("#", table.unpack({}, 1, 2e6))'), INSTRUCTIONS);
  });

  test('the wall clock, when instructions are plentiful', () => {
    expectContained(
      hostile('while true do end', { instructions: 1e12, timeMs: 20 }),
      /^stopped: exceeded the time limit of 20 ms$/,
    );
  });

  test('the instruction limit is configurable', () => {
    expectContained(hostile('for i = 1, 2000 do end', { instructions: 1000 }), /instruction limit of 1000$/);
    expect(hostile('for i = 1, 2000 do end', { instructions: 100_000 }).evaluate([])).toMatchObject({
      reason: 'no votes',
    });
  });
});

describe('a policy cannot run away with memory', () => {
  test('string.rep("x", 1e9) stops at the allocation', () => {
    const started = performance.now();
    expectContained(
      hostile('string.rep("x", 1e9)'),
      /^stopped: a string of 1000000000 bytes exceeds the string limit/,
    );
    expect(performance.now() - started).toBeLessThan(1000);
  });

  test('doubling a string by concatenation', () => {
    expectContained(hostile('local s = "x" for i = 1, 64 do s = s .. s end'), STRING);
  });

  test('table.concat of many copies of a string', () => {
    expectContained(
      hostile('local t = {} for i = 1, 100 do t[i] = string.rep("x", 1000) end table.concat(t)'),
      STRING,
    );
  });

  test('gsub replacing every character by a long string', () => {
    expectContained(hostile('string.gsub(string.rep("x", 1000), ".", string.rep("y", 1000))'), STRING);
  });

  test('many strings under the string limit', () => {
    expectContained(
      hostile(
        'local s = string.rep("abcdefgh", 7000) local t = {} for i = 1, 1e6 do t[i] = s .. i end',
        PATIENT,
      ),
      MEMORY,
    );
  });

  test('a table growing without bound', () => {
    expectContained(hostile('local t = {} for i = 1, 1e8 do t[i] = i end', GROWTH), MEMORY);
  });

  test('a table of tables growing without bound', () => {
    expectContained(hostile('local t = {} for i = 1, 1e8 do t[i] = {i} end', GROWTH), MEMORY);
  });

  test('pcall does not swallow a memory stop', () => {
    expectContained(hostile('pcall(string.rep, "x", 1e9)'), /exceeds the string limit/);
  });

  test('endless recursion', () => {
    expectContained(hostile('local function f() return 1 + f() end f()', GROWTH), MEMORY);
  });

  test('the memory and string limits are configurable', () => {
    expectContained(hostile('string.rep("x", 2000)', { stringBytes: 1000 }), /string limit of 1000 bytes$/);
    expectContained(
      hostile('local t = {} for i = 1, 100 do t[i] = string.rep("x", 900) end', {
        stringBytes: 1000,
        memoryBytes: 50_000,
      }),
      /memory limit of 50000 bytes$/,
    );
  });
});

describe('a failing policy', () => {
  test('error("boom") names the file and line', () => {
    expectContained(hostile('error("boom")'), /^error: hostile:3: boom$/);
  });

  test('an error object that is not a string does not run its metamethods', () => {
    expectContained(
      hostile('error(setmetatable({}, {__tostring = function() while true do end end}))'),
      /^error: error object is a table$/,
    );
  });
});
