import { describe, expect, test } from 'vitest';

import { loadPolicy } from '../../src/policy/index.js';
import { expectContained, hostile } from './hostile.js';

describe('a policy cannot reach the host', () => {
  test.each([
    ['io.open', 'io.open("/etc/passwd")', /^error: hostile:3: attempt to index a nil value \(global 'io'\)$/],
    [
      'os.execute',
      'os.execute("touch /tmp/pwned")',
      /^error: hostile:3: attempt to index a nil value \(global 'os'\)$/,
    ],
    ['require', 'require("os")', /^error: hostile:3: attempt to call a nil value \(global 'require'\)$/],
    ['load', 'load("return 1")()', /^error: hostile:3: attempt to call a nil value \(global 'load'\)$/],
    ['loadstring', 'loadstring("return 1")()', /global 'loadstring'/],
    ['dofile', 'dofile("/etc/passwd")', /global 'dofile'/],
    ['loadfile', 'loadfile("/etc/passwd")', /global 'loadfile'/],
    ['string.dump', 'string.dump(function() end)', /attempt to call a nil value \(field 'dump'\)/],
    ['("").dump', '("").dump(function() end)', /attempt to call a nil value \(field 'dump'\)/],
    ['debug', 'debug.getregistry()', /attempt to index a nil value \(global 'debug'\)/],
    ['collectgarbage', 'collectgarbage()', /global 'collectgarbage'/],
    ['package', 'package.loadlib("x", "y")', /global 'package'/],
    ['coroutine', 'coroutine.wrap(print)', /global 'coroutine'/],
    ['the JS bridge', 'js.global.process.exit(1)', /global 'js'/],
    ['_G', '_G.io.open("x")', /global '_G'/],
    ['getmetatable("").__index', 'getmetatable("").__index.dump = 1', /attempt to index a boolean value/],
    ['the library metatables', 'getmetatable(string).__index.rep = nil', /attempt to index a boolean value/],
    [
      'the environment metatable',
      'getmetatable(_ENV).__index.pairs = nil',
      /attempt to index a boolean value/,
    ],
    ['rawset through a library', 'rawset(string, "rep", nil)', /global 'rawset'/],
    ['math.random', 'math.random()', /field 'random'/],
  ])('%s', (_name, attack, reason) => {
    expectContained(hostile(attack), reason);
  });

  test('library tables are read-only', () => {
    expectContained(hostile('string.rep = nil'), /attempt to modify a read-only library table/);
    expectContained(hostile('setmetatable(string, {})'), /cannot change a protected metatable/);
  });

  test('nothing a policy does survives into the next evaluation', () => {
    const policy = hostile(`
      counter = (counter or 0) + 1
      local mt = getmetatable("")
      return nil, "counter " .. counter .. ", string metatable " .. tostring(mt)`);
    expectContained(policy, /^counter 1, string metatable false$/);
    expect(
      policy.evaluate([{ logName: 'evil', logId: 'e', weight: 1, status: 'absent', digest: null }]),
    ).toMatchObject({
      reason: 'counter 1, string metatable false',
    });
  });

  test('upvalues of the chunk are fresh on every evaluation', () => {
    const source = `local seen = 0
      return function(votes)
        seen = seen + 1
        return nil, "seen " .. seen
      end`;
    const policy = loadPolicy({ name: 'p', source });
    expect(policy.evaluate([])).toMatchObject({ reason: 'seen 1' });
    expect(policy.evaluate([])).toMatchObject({ reason: 'seen 1' });
  });
});
