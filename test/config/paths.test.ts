import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { parseConfig } from '../../src/config/parse.js';
import { resolveStatePaths } from '../../src/config/state-paths.js';
import { InvalidArgumentError } from '../../src/errors.js';

const RELATIVE_PATHS = `
state_dir = "state"
[publish]
name = "mylog"
key_file = "secrets/log.secret"
[admin]
socket = "run/admin.sock"
listen = "127.0.0.1:9013"
token_file = "../admin.token"
[cache]
key_file = "/abs/cache.secret"
[[policy]]
name = "mine"
file = "policies/mine.lua"
`;

describe('relative paths', () => {
  test('state_dir resolves against the config file directory, other paths against state_dir', () => {
    const config = parseConfig(RELATIVE_PATHS, { file: 'conf/tally.toml', cwd: '/home/u' });
    expect(config.stateDir).toBe('/home/u/conf/state');
    expect(config.publish.keyFile).toBe('/home/u/conf/state/secrets/log.secret');
    expect(config.admin.socket).toBe('/home/u/conf/state/run/admin.sock');
    expect(config.admin.tokenFile).toBe('/home/u/conf/admin.token');
    expect(config.cache.keyFile).toBe('/abs/cache.secret');
    expect(config.policy[0]!.source).toEqual({ kind: 'file', path: '/home/u/conf/state/policies/mine.lua' });
  });

  test('--state replaces state_dir (relative to the working directory) and moves what hangs off it', () => {
    const config = parseConfig(RELATIVE_PATHS, {
      file: 'conf/tally.toml',
      cwd: '/home/u',
      stateDirOverride: 'other',
    });
    expect(config.stateDir).toBe('/home/u/other');
    expect(config.publish.keyFile).toBe('/home/u/other/secrets/log.secret');
  });

  test('an absolute state_dir ignores the file location', () => {
    expect(parseConfig('state_dir = "/var/lib/tally"', { file: '/etc/tally.toml' }).stateDir).toBe(
      '/var/lib/tally',
    );
  });

  test('resolveStatePaths fills the defaults under state_dir and keeps configured paths', () => {
    const defaults = parseConfig('[publish]\nname = "mylog"', { file: '/etc/tally/tally.toml' });
    expect(resolveStatePaths(defaults)).toEqual({
      stateDir: '/etc/tally/tally-data',
      keysDir: '/etc/tally/tally-data/keys',
      publishKeyFile: '/etc/tally/tally-data/keys/mylog.secret',
      cacheKeyFile: '/etc/tally/tally-data/keys/cache.secret',
      witnessKeyFile: '/etc/tally/tally-data/keys/witness.secret',
      witnessAuditKeyFile: '/etc/tally/tally-data/keys/witness-audit.secret',
      adminSocket: '/etc/tally/tally-data/admin.sock',
    });
    const configured = parseConfig(RELATIVE_PATHS, { file: '/etc/tally/tally.toml' });
    expect(resolveStatePaths(configured)).toEqual({
      stateDir: '/etc/tally/state',
      keysDir: '/etc/tally/state/keys',
      publishKeyFile: '/etc/tally/state/secrets/log.secret',
      cacheKeyFile: '/abs/cache.secret',
      witnessKeyFile: '/etc/tally/state/keys/witness.secret',
      witnessAuditKeyFile: '/etc/tally/state/keys/witness-audit.secret',
      adminSocket: '/etc/tally/state/run/admin.sock',
    });
  });
});

describe('loadConfig', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tally-config-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('reads the file and resolves state_dir against its directory', () => {
    const file = path.join(dir, 'tally.toml');
    fs.writeFileSync(file, 'state_dir = "data"\nlog_level = "warn"\n');
    const config = loadConfig(file);
    expect(config.stateDir).toBe(path.join(dir, 'data'));
    expect(config.logLevel).toBe('warn');
  });

  test('names the file in validation errors', () => {
    const file = path.join(dir, 'tally.toml');
    fs.writeFileSync(file, 'log_levle = "warn"\n');
    expect(() => loadConfig(file)).toThrow(
      `invalid configuration in ${file} (1 problem):\n  log_levle: unknown key`,
    );
  });

  test('a missing file is refused, not replaced by defaults', () => {
    const file = path.join(dir, 'absent.toml');
    expect(() => loadConfig(file)).toThrow(InvalidArgumentError);
    expect(() => loadConfig(file)).toThrow(`cannot read config file ${file}`);
  });
});
