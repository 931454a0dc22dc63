import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../src/config/issues.js';
import { parseConfig, parseConfigObject } from '../../src/config/parse.js';
import { InvalidArgumentError } from '../../src/errors.js';
import { issuesOf, KEY_A, KEY_B } from './fixtures.js';

const follow = (name: string, key: string, extra = ''): string =>
  `[[follow]]\nname = "${name}"\npublic_key = "${key}"\naddress = "10.0.0.5:9002"\n${extra}\n`;

const PW1 = `[[publish.witness]]\nname = "w1.example"\npublic_key = "w1.example:${Buffer.alloc(32, 1).toString('base64')}"\nurl = "http://127.0.0.1:9003/witness"\n`;

const W1 = `[[witnesses]]\nname = "w1.example"\npublic_key = "w1.example:${Buffer.alloc(32, 1).toString('base64')}"\n`;

describe('refused configs name the key and the reason', () => {
  test('a TOML syntax error gives file:line:column and is an InvalidArgumentError', () => {
    let thrown: unknown;
    try {
      parseConfig('log_level = "info"\n\n[api]\nlisten = \n', { file: '/etc/tally.toml' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidArgumentError);
    expect(thrown).toBeInstanceOf(ConfigError);
    const error = thrown as ConfigError;
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]).toMatchObject({ line: 4, column: 10 });
    expect(error.message).toContain('/etc/tally.toml:4:10: TOML syntax error: invalid value');
  });

  test.each([
    ['unknown top-level key', 'stat_dir = "x"', 'stat_dir', /unknown key/],
    ['unknown key in a table', '[api]\nlisen = "127.0.0.1:1"', 'api.lisen', /unknown key/],
    ['unknown key in an array entry', follow('a', KEY_A, 'wieght = 2'), 'follow[0].wieght', /unknown key/],
    [
      'wrong type',
      '[api]\nmax_message_bytes = "4MB"',
      'api.max_message_bytes',
      /expected a number, got the string "4MB"/,
    ],
    [
      'float for an integer',
      '[publish]\nmax_batch_entries = 1.5',
      'publish.max_batch_entries',
      /expected an integer/,
    ],
    ['table for an array', '[follow]\nname = "a"', 'follow', /expected an array, got a table/],
    [
      'missing required key',
      '[[follow]]\nname = "a"\naddress = "h:1"',
      'follow[0].public_key',
      /required key is missing/,
    ],
    ['enum value', 'log_level = "loud"', 'log_level', /must be one of "fatal", .*got the string "loud"/],
    [
      'bad address',
      '[api]\nlisten = "127.0.0.1:70000"',
      'api.listen',
      /port must be a number in 0\.\.65535, got "70000"/,
    ],
    [
      'bad follow address',
      follow('a', KEY_A).replace('10.0.0.5:9002', 'nohost'),
      'follow[0].address',
      /host:port/,
    ],
    [
      'port 0 for a followed log',
      follow('a', KEY_A).replace('10.0.0.5:9002', '10.0.0.5:0'),
      'follow[0].address',
      /port must be a number in 1\.\.65535, got "0"/,
    ],
    [
      'a followed log with neither address nor url',
      follow('a', KEY_A).replace('address = "10.0.0.5:9002"\n', ''),
      'follow[0].address',
      /needs address \(the log's gRPC API\) or url \(its tlog-tiles prefix\)/,
    ],
    ['bad public key', follow('a', 'a:AAAA'), 'follow[0].public_key', /public key: expected 32 bytes, got 3/],
    ['public key without a name', follow('a', 'AAAA'), 'follow[0].public_key', /no name/],
    [
      'admin.listen without token',
      '[admin]\nlisten = "127.0.0.1:9013"',
      'admin.token_file',
      /required when admin.listen/,
    ],
    [
      'batch size above range',
      '[publish]\nmax_batch_entries = 100001',
      'publish.max_batch_entries',
      /at most 100000, got 100001/,
    ],
    [
      'batch size below range',
      '[publish]\nmax_batch_entries = 0',
      'publish.max_batch_entries',
      /at least 1, got 0/,
    ],
    ['weight not positive', follow('a', KEY_A, 'weight = 0'), 'follow[0].weight', /greater than 0/],
    ['priority negative', '[cache]\npriority = -1', 'cache.priority', /at least 0/],
    ['infinite number', '[decide]\ncache_ttl_seconds = inf', 'decide.cache_ttl_seconds', /expected a number/],
    ['bad key name', '[publish]\nname = "my log"', 'publish.name', /must be 1-128 characters/],
    ['reserved follow name', follow('local', KEY_A), 'follow[0].name', /reserved/],
    ['relative store dir', '[cache]\nstore_dir = "nix/store"', 'cache.store_dir', /absolute path/],
    ['origin with a newline', '[publish]\norigin = "a\\nb"', 'publish.origin', /one line/],
    [
      'unknown builtin policy',
      '[[policy]]\nname = "p"\nfile = "builtin:majority"',
      'policy[0].file',
      /unknown built-in policy/,
    ],
    ['empty policy chain', 'policy = []', 'policy', /at least one \[\[policy\]\]/],
    [
      'date as a policy param',
      '[[policy]]\nname = "p"\nfile = "x.lua"\nparams.since = 2024-01-01',
      'policy[0].params.since',
      /got a date/,
    ],
    [
      'meta value not a string',
      '[publish.meta]\nupstream = 1',
      'publish.meta.upstream',
      /expected a string, got the integer 1/,
    ],
    [
      'meta key not an identifier',
      '[publish.meta]\n"the cache" = "x"',
      'publish.meta."the cache"',
      /invalid key: must start with a letter/,
    ],
    [
      'duplicate follow names',
      follow('a', KEY_A) + follow('a', KEY_B),
      'follow[1].name',
      /duplicate name "a", already used by follow\[0\]/,
    ],
    [
      'the same public key twice',
      follow('a', KEY_A) + follow('b', KEY_A),
      'follow[1].public_key',
      /same public key as follow\[0\]/,
    ],
    [
      'duplicate policy names',
      '[[policy]]\nname = "p"\nfile = "a.lua"\n[[policy]]\nname = "p"\nfile = "b.lua"',
      'policy[1].name',
      /duplicate name "p"/,
    ],
    [
      'name-match without params.name',
      '[[policy]]\nname = "p"\nfile = "builtin:name-match"',
      'policy[0].params.name',
      /needs params.name/,
    ],
    [
      'name-match naming an unknown log',
      follow('builder-a', KEY_A) +
        '[[policy]]\nname = "p"\nfile = "builtin:name-match"\nparams.name = "builder-z"',
      'policy[0].params.name',
      /"builder-z" is not a followed log \(followed: "builder-a"\)/,
    ],
    [
      'name-match naming "local" when the local log does not vote',
      '[[policy]]\nname = "p"\nfile = "builtin:name-match"\nparams.name = "local"',
      'policy[0].params.name',
      /requires decide.local_log_votes/,
    ],
    [
      'local votes without a published log',
      '[publish]\nenabled = false\n[decide]\nlocal_log_votes = true',
      'decide.local_log_votes',
      /requires publish.enabled/,
    ],
    [
      'an auditing witness without a mirrored log',
      follow('builder-a', KEY_A) +
        '[api]\nhttp_listen = "127.0.0.1:0"\n[witness]\nenabled = true\nname = "w1.example"\nfollowed_logs = true\naudit = true',
      'witness.audit',
      /cosigns only logs it mirrors: add a \[\[follow\]\] with mirror = true/,
    ],
    [
      'an audit name that cannot sign notes',
      '[witness]\naudit_name = "w1+audit"',
      'witness.audit_name',
      /must not contain "\+"/,
    ],
    [
      'a follow naming a witness not in [[witnesses]]',
      follow('a', KEY_A, 'witnesses = ["w9.example"]') + W1,
      'follow[0].witnesses[0]',
      /"w9\.example" is not in \[\[witnesses\]\] \(listed: "w1\.example"\)/,
    ],
    [
      'a witness quorum above the witnesses listed',
      follow('a', KEY_A, 'witnesses = ["w1.example"]\nwitness_quorum = 2') + W1,
      'follow[0].witness_quorum',
      /2 is more than the 1 witnesses listed/,
    ],
    [
      'a witness quorum of 0',
      follow('a', KEY_A, 'witnesses = ["w1.example"]\nwitness_quorum = 0') + W1,
      'follow[0].witness_quorum',
      /must be at least 1, got 0/,
    ],
    [
      'a witness quorum without witnesses',
      follow('a', KEY_A, 'witness_quorum = 1'),
      'follow[0].witness_quorum',
      /needs witnesses/,
    ],
    [
      'a witness listed twice by a follow',
      follow('a', KEY_A, 'witnesses = ["w1.example", "w1.example"]') + W1,
      'follow[0].witnesses[1]',
      /"w1\.example" is listed twice/,
    ],
    [
      'a witness whose key has another name',
      W1.replace('name = "w1.example"', 'name = "w2.example"'),
      'witnesses[0].public_key',
      /the key is named "w1\.example", not "w2\.example"/,
    ],
    [
      'two witnesses of one name',
      W1 + W1,
      'witnesses[1].name',
      /duplicate name "w1\.example", already used by witnesses\[0\]/,
    ],
    ['a publish witness without a url', PW1.replace(/url = .*\n/, ''), 'publish.witness[0].url', /required/],
    [
      'a publish witness url that is not http(s)',
      PW1.replace('http://127.0.0.1:9003/witness', 'ftp://w1.example/witness'),
      'publish.witness[0].url',
      /must be the witness's http:\/\/ or https:\/\/ submission prefix/,
    ],
    [
      'a publish witness url with a query',
      PW1.replace('/witness"', '/witness?x=1"'),
      'publish.witness[0].url',
      /without a query or fragment/,
    ],
    [
      'a publish witness whose key has another name',
      PW1.replace('name = "w1.example"', 'name = "w2.example"'),
      'publish.witness[0].public_key',
      /the key is named "w1\.example", not "w2\.example"/,
    ],
    [
      'a publish witness key that is not name:base64',
      PW1.replace(/public_key = .*\n/, 'public_key = "w1.example"\n'),
      'publish.witness[0].public_key',
      /./,
    ],
    [
      'two publish witnesses of one name',
      PW1 + PW1,
      'publish.witness[1].name',
      /duplicate name "w1\.example", already used by publish\.witness\[0\]/,
    ],
    [
      'two listeners on one address',
      '[cache]\nmetrics_listen = "127.0.0.1:9002"',
      'cache.metrics_listen',
      /already used by api.listen/,
    ],
  ])('%s', (_, toml, path, message) => {
    const issues = issuesOf(() => parseConfig(toml));
    expect(issues).toEqual([{ path, message: expect.stringMatching(message) }]);
  });

  test('the error message names the file and each key path', () => {
    expect(() => parseConfig(follow('a', 'a:AAAA') + follow('b', 'b:AAAA'), { file: 'tally.toml' })).toThrow(
      /^invalid configuration in tally\.toml \(2 problems\):\n {2}follow\[0\]\.public_key: .*\n {2}follow\[1\]\.public_key: /,
    );
  });
});

describe('every issue is reported at once', () => {
  test('issues from different sections come together', () => {
    const toml = [
      'stat_dir = "x"',
      '[api]\nlisten = "localhost"',
      '[admin]\nlisten = "127.0.0.1:9013"',
      '[cache]\npriority = "high"',
      follow('a', 'a:AAAA'),
      '[[policy]]\nname = "p"\nfile = "builtin:nope"',
    ].join('\n');
    expect(issuesOf(() => parseConfig(toml)).map((issue) => issue.path)).toEqual([
      'api.listen',
      'admin.token_file',
      'cache.priority',
      'follow[0].public_key',
      'policy[0].file',
      'stat_dir',
    ]);
  });

  test('cross-section checks report together once the sections are valid', () => {
    const toml = [
      '[publish]\nenabled = false',
      '[decide]\nlocal_log_votes = true',
      '[cache]\nlisten = "127.0.0.1:9002"',
      '[[policy]]\nname = "p"\nfile = "builtin:name-match"\nparams.name = "nobody"',
    ].join('\n');
    expect(issuesOf(() => parseConfig(toml)).map((issue) => issue.path)).toEqual([
      'decide.local_log_votes',
      'policy[0].params.name',
      'cache.listen',
    ]);
  });
});

describe('parseConfigObject', () => {
  test('refuses an already-parsed object with the same issues as the TOML text', () => {
    const object = {
      api: { listen: 'h:x' },
      follow: [{ name: 'a', public_key: KEY_A, address: 'h:1', x: 1 }],
    };
    const toml = '[api]\nlisten = "h:x"\n' + follow('a', KEY_A).replace('10.0.0.5:9002', 'h:1') + 'x = 1\n';
    const fromObject = issuesOf(() => parseConfigObject(object));
    expect(fromObject.map((issue) => issue.path)).toEqual(['api.listen', 'follow[0].x']);
    expect(issuesOf(() => parseConfig(toml))).toEqual(fromObject);
  });

  test('refuses a document that is not a table', () => {
    expect(issuesOf(() => parseConfigObject([]))).toEqual([
      { path: '', message: 'expected a table, got an array' },
    ]);
    expect(issuesOf(() => parseConfigObject(null))).toEqual([
      { path: '', message: 'expected a table, got null' },
    ]);
  });
});

describe('listeners on port 0', () => {
  test('bind any free port, so several may share host:0', () => {
    const config = parseConfig('[api]\nlisten = "127.0.0.1:0"\n[cache]\nlisten = "127.0.0.1:0"');
    expect(config.api.listen).toEqual({ host: '127.0.0.1', port: 0 });
    expect(config.cache.listen).toEqual({ host: '127.0.0.1', port: 0 });
  });
});
