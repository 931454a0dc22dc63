import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, test } from 'vitest';

import { InvalidArgumentError } from '../../src/errors.js';
import { loadPolicy } from '../../src/policy/index.js';
import { A, agrees } from './votes.js';

const policyFile = (source: string): string => {
  const file = join(mkdtempSync(join(tmpdir(), 'tally-policy-')), 'policy.lua');
  writeFileSync(file, source);
  return file;
};

describe('loading a policy', () => {
  test('a syntax error throws InvalidArgumentError with file:line: message', () => {
    const file = policyFile('return function(votes)\n  local x =\n  if\nend\n');
    expect(() => loadPolicy({ name: 'bad', file })).toThrow(InvalidArgumentError);
    expect(() => loadPolicy({ name: 'bad', file })).toThrow(`${file}:3: unexpected symbol near 'if'`);
  });

  test('a syntax error in inline source names the policy', () => {
    expect(() => loadPolicy({ name: 'inline', source: 'return function(\n' })).toThrow(
      "inline:2: <name> or '...' expected near <eof>",
    );
  });

  test('a chunk that does not return a function is refused', () => {
    expect(() => loadPolicy({ name: 'p', source: 'return 42' })).toThrow(
      'policy "p" fails with no votes: the chunk must return a function(votes, params)',
    );
  });

  test('a chunk that errors is refused', () => {
    expect(() => loadPolicy({ name: 'p', source: 'error("at load")' })).toThrow(
      'policy "p" fails with no votes: error: p:1: at load',
    );
  });

  test('a policy that fails on an empty vote list is refused', () => {
    expect(() =>
      loadPolicy({ name: 'p', source: 'return function(votes) return votes[1].digest, 1 end' }),
    ).toThrow(/policy "p" fails with no votes: error: p:1: attempt to index a nil value/);
  });

  test('a binary chunk is refused', () => {
    expect(() => loadPolicy({ name: 'p', source: '\x1bLua' })).toThrow(/attempt to load a binary chunk/);
  });

  test('exactly one of file and source', () => {
    expect(() => loadPolicy({ name: 'p' })).toThrow('policy "p": give exactly one of file and source');
    expect(() => loadPolicy({ name: 'p', file: 'x.lua', source: 'return 1' })).toThrow(/exactly one/);
  });

  test('an unreadable file', () => {
    expect(() => loadPolicy({ name: 'p', file: '/nonexistent/policy.lua' })).toThrow(
      /policy "p": cannot read \/nonexistent\/policy.lua/,
    );
  });

  test('bad params and limits', () => {
    const source = 'return function() return nil, "no" end';
    expect(() => loadPolicy({ name: 'p', source, params: { x: NaN } })).toThrow(/param x must be/);
    expect(() => loadPolicy({ name: 'p', source, params: { x: [1] as unknown as string[] } })).toThrow(
      /param x must be/,
    );
    expect(() => loadPolicy({ name: 'p', source, limits: { instructions: 0 } })).toThrow(
      /instructions must be a positive integer/,
    );
    expect(() => loadPolicy({ name: 'p', source, limits: { stringBytes: 1e9 } })).toThrow(
      /stringBytes .* cannot exceed memoryBytes/,
    );
  });

  test('bad votes are the caller’s bug', () => {
    const policy = loadPolicy({ name: 'p', source: 'return function() return nil, "no" end' });
    expect(() => policy.evaluate([{ ...agrees('x', A), digest: 'nope' }])).toThrow(InvalidArgumentError);
    expect(() => policy.evaluate([{ ...agrees('x', A), status: 'absent' }])).toThrow(/has no digest/);
    expect(() => policy.evaluate([{ ...agrees('x', A), weight: -1 }])).toThrow(/weight/);
  });
});
