import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveStatePaths } from '../../src/config/state-paths.js';
import { parsePublicKey } from '../../src/crypto/ed25519-keys.js';
import { spoolDirOf } from '../../src/config/state-paths.js';
import { repoRoot } from '../helpers/tmp.js';
import {
  evalModule,
  nixInstantiate,
  nixosDir,
  parseRenderedSettings,
  type ModuleEvaluation,
} from './nix-instantiate.js';

/*
 * The NixOS module without nixpkgs: every file must parse, and the examples are evaluated through
 * module.nix (nix/eval-module.nix, with a strict stand-in for the bits of nixpkgs it uses). The
 * settings the module hands to the TOML generator go through the daemon's own config parser, so
 * a module that renders a config the daemon refuses fails here.
 */

const NIX_FILES = [
  'example-builder.nix',
  'example.nix',
  'module.nix',
  'npm-sources.nix',
  'package.nix',
  'settings.nix',
];

describe('nixos/*.nix parse', () => {
  it('lists every Nix file of nixos/ (a new file must be added here, and so parsed)', () => {
    expect(
      fs
        .readdirSync(nixosDir)
        .filter((f) => f.endsWith('.nix'))
        .sort(),
    ).toEqual(NIX_FILES);
  });

  it.each(NIX_FILES)('nix-instantiate --parse %s', (file) => {
    const result = nixInstantiate(['--parse', path.join(nixosDir, file)]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('--parse rejects undefined variables, not only syntax errors', () => {
    const result = nixInstantiate(['--parse', '-E', '{ lib, ... }: { x = lib.mkIf enable 1; }']);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/undefined variable 'enable'/);
  });
});

describe('example.nix: a client following three builders with a 2/3 policy', () => {
  let evaluation: ModuleEvaluation;
  beforeAll(() => {
    evaluation = evalModule('example.nix');
  });

  it('passes the module assertions', () => {
    expect(evaluation.failedAssertions).toEqual([]);
  });

  it('renders a config the daemon accepts: three followed logs, two thirds must agree', () => {
    const config = parseRenderedSettings(evaluation);
    expect(config.stateDir).toBe('/var/lib/tally');
    expect(config.publish.enabled).toBe(false);
    expect(
      config.follow.map((f) => [
        f.name,
        f.address?.host,
        f.address?.port,
        f.meta.upstream,
        f.pollIntervalSeconds,
      ]),
    ).toEqual([
      ['builder-a', 'builder-a.example.org', 9002, 'https://cache.builder-a.example.org', 30],
      ['builder-b', 'builder-b.example.org', 9002, 'https://cache.builder-b.example.org', 30],
      ['builder-c', '2001:db8::c', 9002, 'https://cache.builder-c.example.org', 60],
    ]);
    expect(config.policy).toHaveLength(1);
    expect(config.policy[0]).toMatchObject({
      name: 'two-thirds',
      source: { kind: 'builtin', name: 'percentage' },
      params: { threshold: 66, min_agreeing: 2 },
    });
    expect(config.cache.listen).toEqual({ host: '127.0.0.1', port: 9001 });
    expect(config.decide.cacheTtlSeconds).toBe(60);
  });

  it('hands the cache key to the unit as a credential and points the config at it', () => {
    const config = parseRenderedSettings(evaluation);
    expect(evaluation.service.serviceConfig.LoadCredential).toEqual([
      'cache-key:/run/secrets/client-tally-cache-1.secret',
    ]);
    expect(config.cache.keyFile).toBe('/run/credentials/tally.service/cache-key');
  });

  it('makes the proxy a substituter and trusts its key, which is a valid Nix public key', () => {
    expect(evaluation.nixSettings).toEqual({
      substituters: ['http://127.0.0.1:9001'],
      'trusted-public-keys': ['client-tally-cache-1:4xwrmuFrbACD/9S9KuZFGa99Hj+Uxeo18yC5rwiMW0M='],
    });
    expect(parsePublicKey('client-tally-cache-1:4xwrmuFrbACD/9S9KuZFGa99Hj+Uxeo18yC5rwiMW0M=').name).toBe(
      'client-tally-cache-1',
    );
  });

  it('the README and docs/nixos.md spell its cache key as the example does', () => {
    const trusted = evaluation.nixSettings['trusted-public-keys'] as string[];
    const [name, key] = trusted[0]!.split(':') as [string, string];
    // Shortened in the docs: the name, the first four characters of the key, then "...=".
    const shown = `"${name}:${key.slice(0, 4)}...="`;
    for (const doc of ['README.md', 'docs/nixos.md']) {
      const text = fs.readFileSync(path.join(repoRoot, doc), 'utf8');
      const spelled = [...text.matchAll(/cache\.publicKey = ("[^"]*")/g)].map((m) => m[1]);
      expect(spelled.length, doc).toBeGreaterThan(0);
      expect(
        spelled.every((s) => s === shown),
        `${doc}: ${spelled.join(', ')}`,
      ).toBe(true);
    }
  });

  it('runs the daemon as the static tally user, hardened, restarted on failure', () => {
    const unit = evaluation.service.serviceConfig;
    expect(evaluation.service.wantedBy).toEqual(['multi-user.target']);
    expect(unit.ExecStart).toMatch(/^\/nix\/store\/\S+\/bin\/tally daemon --config \S+$/);
    expect(String(unit.ExecStart).endsWith(` --config ${evaluation.configFile}`)).toBe(true);
    expect(unit).toMatchObject({
      User: 'tally',
      Group: 'tally',
      StateDirectory: 'tally',
      Restart: 'on-failure',
      ProtectSystem: 'strict',
      ProtectHome: true,
      NoNewPrivileges: true,
      PrivateTmp: true,
      PrivateDevices: true,
      RestrictAddressFamilies: ['AF_UNIX', 'AF_INET', 'AF_INET6'],
      LockPersonality: true,
      SystemCallArchitectures: 'native',
      CapabilityBoundingSet: '',
    });
    // V8 JIT-compiles: W+X memory must stay allowed. A static user, so the hook can share its uid.
    expect(unit).not.toHaveProperty('MemoryDenyWriteExecute');
    expect(unit).not.toHaveProperty('DynamicUser');
    expect(evaluation.users.users.tally).toMatchObject({ isSystemUser: true, group: 'tally' });
    expect(evaluation.users.groups).toHaveProperty('tally');
  });
});

describe('example-builder.nix: a builder publishing through the post-build hook', () => {
  let evaluation: ModuleEvaluation;
  beforeAll(() => {
    evaluation = evalModule('example-builder.nix');
  });

  it('renders a config the daemon accepts: a published log with its key from a credential', () => {
    expect(evaluation.failedAssertions).toEqual([]);
    const config = parseRenderedSettings(evaluation);
    expect(config.publish).toMatchObject({
      enabled: true,
      name: 'builder-a',
      keyFile: '/run/credentials/tally.service/publish-key',
      meta: { upstream: 'https://cache.builder-a.example.org' },
      staticDir: '/var/www/tally',
    });
    // The hardened unit may write the static copy, and the directory exists, readable by nginx.
    expect(evaluation.service.serviceConfig.ReadWritePaths).toEqual(['/var/www/tally']);
    expect(evaluation.tmpfiles).toContain('d /var/www/tally 0755 tally tally -');
    expect(evaluation.service.serviceConfig.LoadCredential).toEqual([
      'publish-key:/run/secrets/builder-a.secret',
    ]);
    expect(config.api.listen).toEqual({ host: '0.0.0.0', port: 9002 });
    expect(config.cache.listen).toBeUndefined();
    expect(config.follow).toEqual([]);
    expect(evaluation.firewallPorts).toEqual([9002]);
  });

  it("the hook runs as the tally user against the daemon's own admin socket and spool", () => {
    const config = parseRenderedSettings(evaluation);
    const script = evaluation.postBuildHookScript ?? '';
    expect(evaluation.nixSettings['post-build-hook']).toMatch(/^\/nix\/store\/\S+-tally-post-build-hook$/);
    expect(script).toMatch(/\/bin\/setpriv --reuid=tally --regid=tally --init-groups -- /);
    expect(script).toMatch(/\/bin\/tally post-build-hook /);
    expect(/--state (\S+)/.exec(script)?.[1]).toBe(config.stateDir);
    expect(/--admin-socket (\S+)/.exec(script)?.[1]).toBe(resolveStatePaths(config).adminSocket);
    // The spool exists, owned by tally, before the daemon's first start.
    expect(evaluation.tmpfiles).toContain(`d ${spoolDirOf(config.stateDir)} 0700 tally tally -`);
  });

  it('a moved admin socket moves the hook with it', () => {
    const moved = evalModule('example-builder.nix', '{ settings = { admin.socket = "run/admin.sock"; }; }');
    const config = parseRenderedSettings(moved);
    expect(resolveStatePaths(config).adminSocket).toBe('/var/lib/tally/run/admin.sock');
    expect(/--admin-socket (\S+)/.exec(moved.postBuildHookScript ?? '')?.[1]).toBe(
      '/var/lib/tally/run/admin.sock',
    );
  });
});

describe('configurations the daemon would refuse fail here', () => {
  it("the daemon's parser refuses a rendered policy that names a log nobody follows", () => {
    const evaluation = evalModule(
      'example.nix',
      '{ policies = [ { name = "trust-one"; builtin = "name-match"; params.name = "nobody"; } ]; }',
    );
    expect(evaluation.failedAssertions).toEqual([]);
    expect(() => parseRenderedSettings(evaluation)).toThrow(
      /policy\[0\]\.params\.name: "nobody" is not a followed log/,
    );
  });

  it('module assertions name the option to fix', () => {
    const evaluation = evalModule(
      'example.nix',
      '{ cache = { }; nix = { substituter = true; postBuildHook = true; }; settings = { state_dir = "/srv"; }; }',
    );
    expect(evaluation.failedAssertions).toEqual([
      "services.tally.settings.state_dir cannot be set: the state lives in the unit's StateDirectory, /var/lib/tally",
      'services.tally.nix.substituter needs services.tally.cache.publicKey or cache.publicKeyFile (the public half of the cache key) for trusted-public-keys.',
      'services.tally.nix.postBuildHook needs publish.enable: there is no log to publish builds to.',
    ]);
  });

  it('a policy with neither builtin nor file is an assertion, not a broken file', () => {
    const evaluation = evalModule('example.nix', '{ policies = [ { name = "empty"; } ]; }');
    expect(evaluation.failedAssertions).toEqual([
      'services.tally.policies: policy empty must set exactly one of builtin and file',
    ]);
  });

  it('undeclared options and values of the wrong type stop the evaluation', () => {
    expect(() => evalModule('example.nix', '{ folow = [ ]; }')).toThrow(
      /services\.tally: no such option\(s\): folow/,
    );
    expect(() => evalModule('example.nix', '{ listen = { api = 9002; }; }')).toThrow(
      /services\.tally\.listen\.api: int 9002 is not a str/,
    );
  });

  it('a custom Lua policy file goes to the store and the daemon takes it as a file policy', () => {
    const lua = path.join(repoRoot, 'lua-policies/percentage.lua');
    const evaluation = evalModule(
      'example.nix',
      `{ policies = [ { name = "mine"; file = /. + ${JSON.stringify(lua)}; params.threshold = 50; } ]; }`,
    );
    const config = parseRenderedSettings(evaluation);
    expect(config.policy).toHaveLength(1);
    const source = config.policy[0]?.source;
    expect(source?.kind).toBe('file');
    expect(source?.kind === 'file' ? source.path : '').toMatch(
      /^\/nix\/store\/[0-9a-z]{32}-percentage\.lua$/,
    );
  });
});
