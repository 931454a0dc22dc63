import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { parseConfig, parseConfigObject } from '../../src/config/parse.js';
import { resolveStatePaths } from '../../src/config/state-paths.js';
import type { Config } from '../../src/config/types.js';

const EXPECTED_DEFAULTS: Config = {
  stateDir: '/work/dir/tally-data',
  logLevel: 'info',
  publish: {
    enabled: true,
    name: 'tally',
    keyFile: undefined,
    protocol: 'nix',
    origin: undefined,
    maxBatchEntries: 10000,
    maxBatchDelayMs: 0,
    meta: {},
    staticDir: undefined,
    s3: undefined,
    witnesses: [],
  },
  api: {
    listen: { host: '127.0.0.1', port: 9002 },
    httpListen: { host: '127.0.0.1', port: 9003 },
    maxMessageBytes: 4194304,
  },
  admin: { socket: undefined, listen: undefined, tokenFile: undefined },
  cache: {
    listen: { host: '127.0.0.1', port: 9001 },
    keyFile: undefined,
    storeDir: '/nix/store',
    priority: 40,
    wantMassQuery: true,
    metricsListen: undefined,
    requireDecidedReferences: true,
    upstreamTimeoutMs: 10000,
    upstreamConnectTimeoutMs: 3000,
    upstreamHedgeMs: 500,
    upstreamSetAsideMs: 5000,
    upstreamSetAsideMaxMs: 300000,
  },
  follow: [],
  decide: { cacheTtlSeconds: 60, cacheMaxEntries: 100000, localLogVotes: false },
  policy: [
    {
      name: 'two-thirds',
      source: { kind: 'builtin', name: 'percentage' },
      params: { threshold: 66, min_agreeing: 2 },
      limits: { instructions: 1000000, memoryBytes: 33554432 },
    },
  ],
  witness: {
    enabled: false,
    name: undefined,
    keyFile: undefined,
    prefix: '/witness',
    followedLogs: false,
    audit: false,
    auditName: undefined,
    auditKeyFile: undefined,
    logs: [],
  },
};

describe('embedded defaults', () => {
  test('an empty object gives the documented defaults', () => {
    expect(parseConfigObject({}, { cwd: '/work/dir' })).toStrictEqual(EXPECTED_DEFAULTS);
  });

  test('an empty TOML file gives the same defaults, relative to the file', () => {
    expect(parseConfig('', { file: 'etc/tally.toml', cwd: '/work/dir' }).stateDir).toBe(
      '/work/dir/etc/tally-data',
    );
  });

  test('no config file at all: defaults under ./tally-data in the working directory', () => {
    const config = loadConfig(undefined);
    expect(config.stateDir).toBe(path.join(process.cwd(), 'tally-data'));
    expect(config.api.listen).toEqual({ host: '127.0.0.1', port: 9002 });
    expect(config.cache.listen).toEqual({ host: '127.0.0.1', port: 9001 });
    expect(config.publish.enabled).toBe(true);
  });

  test('--state replaces the default state directory', () => {
    const config = loadConfig(undefined, { stateDir: '/srv/tally' });
    expect(config.stateDir).toBe('/srv/tally');
    expect(resolveStatePaths(config)).toEqual({
      stateDir: '/srv/tally',
      keysDir: '/srv/tally/keys',
      publishKeyFile: '/srv/tally/keys/tally.secret',
      cacheKeyFile: '/srv/tally/keys/cache.secret',
      witnessKeyFile: '/srv/tally/keys/witness.secret',
      witnessAuditKeyFile: '/srv/tally/keys/witness-audit.secret',
      adminSocket: '/srv/tally/admin.sock',
    });
  });

  test('defaults are fresh objects: changing one parse does not leak into the next', () => {
    const first = parseConfigObject({});
    first.publish.meta.leak = 'yes';
    first.policy[0]!.params.threshold = 1;
    const second = parseConfigObject({});
    expect(second.publish.meta).toEqual({});
    expect(second.policy[0]!.params).toEqual({ threshold: 66, min_agreeing: 2 });
  });
});
