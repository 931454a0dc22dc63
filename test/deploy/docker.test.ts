import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/parse.js';
import { publicKeyOf, readSecretKeyFile } from '../../src/crypto/ed25519-keys.js';
import { sha256 } from '../../src/crypto/sha256.js';
import { encodeNixValue } from '../../src/nix/canonical-value.js';
import { nixOutputsFromPathInfoJson } from '../../src/nix/path-info.js';
import { nix } from '../cache/real-nix-cache.js';
import { deadUrl, serveDirectory, type StaticServer } from '../cache/static-server.js';
import { tempDir } from '../helpers/tmp.js';
import { hostPathOf, readCompose, readDockerfile, type ComposeFile } from './docker-files.js';
import { parseYamlSubset } from './yaml-subset.js';
import {
  dockerDir,
  rewriteConfig,
  runEntrypoint,
  startEntrypointDaemon,
  tallyBinDir,
  type EntrypointDaemon,
} from './entrypoint-process.js';

/*
 * No Docker engine here: the compose file and the Dockerfile are checked for structure, and the
 * image's entrypoint runs with the compose configs as plain processes (three builders, the client
 * and the demo), showing the same decision the compose demo shows.
 */

const BUILDERS = ['builder-a', 'builder-b', 'builder-c'];
const DAEMONS = [...BUILDERS, 'client'];
const configDir = path.join(dockerDir, 'config');

function readComposeConfig(compose: ComposeFile, service: string) {
  const file = hostPathOf(compose.services[service]!, compose.services[service]!.environment!.TALLY_CONFIG!);
  return { file, config: parseConfig(fs.readFileSync(file, 'utf8'), { file }) };
}

describe('the compose.yaml reader', () => {
  it('reads block mappings, lists and quoted scalars', () => {
    expect(parseYamlSubset('a:\n  b: \'1\'\n  c:\n    - x:y\n    - "z"\nd: {}\ne: true\n')).toEqual({
      a: { b: '1', c: ['x:y', 'z'] },
      d: {},
      e: true,
    });
  });

  it('refuses what is outside its subset rather than guessing', () => {
    expect(() => parseYamlSubset('restart: no')).toThrow(/YAML 1\.1 boolean/);
    expect(() => parseYamlSubset('ports: [9001]')).toThrow(/not in the YAML subset/);
    expect(() => parseYamlSubset('a: 1\na: 2')).toThrow(/duplicate key a/);
    expect(() => parseYamlSubset('a:\n  - x\n  b: 1')).toThrow(/mixes list items and keys/);
  });
});

describe('docker/compose.yaml', () => {
  const compose = readCompose();

  it('runs three builders and a client from the image, each with its config and a state volume', () => {
    expect(Object.keys(compose.services).sort()).toEqual([...DAEMONS, 'caches', 'demo'].sort());
    for (const name of DAEMONS) {
      const service = compose.services[name]!;
      expect(service.image).toBe('tally:demo');
      expect(service.build).toEqual({ context: '..', dockerfile: 'docker/Dockerfile' });
      expect(fs.existsSync(path.resolve(dockerDir, service.build!.context, service.build!.dockerfile))).toBe(
        true,
      );
      expect(service.environment?.TALLY_CONFIG).toBe(`/etc/tally/${name}.toml`);
      expect(service.volumes).toEqual(['./config:/etc/tally:ro', `${name}-state:/var/lib/tally`]);
      expect(compose.volumes).toHaveProperty(`${name}-state`);
      // Only the demo turns the image's healthcheck off.
      expect(service.healthcheck).toBeUndefined();
    }
  });

  it("the client follows the three builders by service name with a 2/3 policy, under the builders' keys", () => {
    const { config } = readComposeConfig(compose, 'client');
    expect(config.publish.enabled).toBe(false);
    expect(config.follow.map((f) => f.name)).toEqual(BUILDERS);
    for (const follow of config.follow) {
      const builder = readComposeConfig(compose, follow.name).config;
      expect(follow.address).toEqual({ host: follow.name, port: builder.api.listen?.port });
      // The builder's key file, as the builder container sees it, holds the key the client trusts.
      const keyFile = hostPathOf(compose.services[follow.name]!, builder.publish.keyFile!);
      expect(Buffer.from(publicKeyOf(readSecretKeyFile(keyFile)).publicKey)).toEqual(
        Buffer.from(follow.publicKey.publicKey),
      );
    }
    expect(config.policy).toHaveLength(1);
    expect(config.policy[0]).toMatchObject({
      source: { kind: 'builtin', name: 'percentage' },
      params: { threshold: 66, min_agreeing: 2 },
    });
    expect(compose.services.client!.depends_on).toEqual(
      Object.fromEntries(BUILDERS.map((b) => [b, { condition: 'service_healthy' }])),
    );
    expect(compose.services.client!.ports).toEqual(['127.0.0.1:9001:9001']);
    expect(config.cache.listen?.port).toBe(9001);
  });

  it("the one-shot demo reaches every daemon's admin socket through its state volume", () => {
    const demo = compose.services.demo!;
    // The tally image plus Nix: the Dockerfile's demo stage, under a tag of its own.
    expect(demo.build).toEqual({ context: '..', dockerfile: 'docker/Dockerfile', target: 'demo' });
    expect(demo.image).toBe('tally:demo-nix');
    expect(demo.command).toEqual(['demo']);
    expect(demo.environment).toEqual({
      TALLY_DEMO_ROOT: '/demo',
      TALLY_DEMO_CACHES: '/caches',
      TALLY_DEMO_PROXY: `http://client:${readComposeConfig(compose, 'client').config.cache.listen?.port}`,
    });
    expect(demo.volumes).toEqual([...DAEMONS.map((name) => `${name}-state:/demo/${name}`), 'caches:/caches']);
    expect(demo.depends_on).toEqual({
      client: { condition: 'service_healthy' },
      caches: { condition: 'service_started' },
    });
    expect(demo.healthcheck).toEqual({ disable: true });
    expect(demo.restart).toBe('no');
  });

  it("the caches service serves, as each builder's upstream, the directory the demo fills", () => {
    const caches = compose.services.caches!;
    expect(caches.image).toMatch(/^nginx:[\w.-]+$/);
    expect(caches.volumes).toEqual(['caches:/usr/share/nginx/html:ro']);
    expect(compose.volumes).toHaveProperty('caches');
    // http://caches/<builder> is nginx's root /<builder>, which is the demo's /caches/<builder>.
    const { config } = readComposeConfig(compose, 'client');
    expect(config.follow.map((f) => f.meta.upstream)).toEqual(BUILDERS.map((b) => `http://caches/${b}`));
  });

  it('every docker/config/*.toml is accepted by the daemon', () => {
    const files = fs.readdirSync(configDir).filter((f) => f.endsWith('.toml'));
    expect(files.sort()).toEqual([
      'builder-a.toml',
      'builder-b.toml',
      'builder-c.toml',
      'client.toml',
      'standalone.toml',
    ]);
    for (const name of files) {
      const file = path.join(configDir, name);
      expect(() => parseConfig(fs.readFileSync(file, 'utf8'), { file }), name).not.toThrow();
    }
  });
});

describe('docker/Dockerfile', () => {
  const instructions = readDockerfile();
  const froms = instructions.filter((i) => i.keyword === 'FROM').map((i) => i.args);
  const stageOf = (from: string) => instructions.find((i) => i.keyword === 'FROM' && i.args === from)!.stage;
  const runtime = instructions.filter((i) => i.stage === stageOf('node:24-slim AS runtime'));
  const argsOf = (keyword: string) => runtime.filter((i) => i.keyword === keyword).map((i) => i.args);

  it('builds in one stage and runs from a second, slim one holding only the build output', () => {
    expect(froms).toEqual(['node:24-slim AS build', 'node:24-slim AS runtime', 'runtime AS demo', 'runtime']);
    const build = instructions.filter((i) => i.stage === 0 && i.keyword === 'RUN').map((i) => i.args);
    expect(build.join('\n')).toMatch(/npm run build/);
    expect(build.join('\n')).toMatch(/npm prune --omit=dev/);
    expect(argsOf('COPY').filter((a) => a.startsWith('--from=build'))).toEqual([
      '--from=build /src/package.json ./package.json',
      '--from=build /src/node_modules ./node_modules',
      '--from=build /src/dist/src ./dist/src',
      '--from=build /src/lua-policies ./lua-policies',
      '--from=build /src/proto ./proto',
    ]);
  });

  it('runs as a non-root user it creates, with the state in a volume', () => {
    expect(argsOf('USER')).toEqual(['tally']);
    expect(argsOf('RUN').join('\n')).toMatch(/useradd --system --uid 10001 --gid tally .* tally/);
    expect(argsOf('VOLUME')).toEqual(['/var/lib/tally']);
  });

  it('starts through docker/entrypoint.sh, with the default config the entrypoint expects', () => {
    expect(argsOf('ENTRYPOINT')).toEqual(['["/app/docker/entrypoint.sh"]']);
    expect(argsOf('CMD')).toEqual(['["daemon"]']);
    expect(argsOf('COPY')).toContain('--chmod=0755 docker/entrypoint.sh docker/demo.sh ./docker/');
    expect(argsOf('COPY')).toContain('docker/config/standalone.toml /etc/tally/tally.toml');
    expect(fs.readFileSync(path.join(dockerDir, 'entrypoint.sh'), 'utf8')).toContain(
      'config="${TALLY_CONFIG:-/etc/tally/tally.toml}"',
    );
  });

  it("installs xz, zstd and bzip2 for the proxy's NAR decompression", () => {
    expect(argsOf('RUN').join('\n')).toMatch(
      /apt-get install -y --no-install-recommends xz-utils zstd bzip2/,
    );
  });

  it('builds the runtime by default; the demo stage adds only Nix and the derivation the demo builds', () => {
    // The last stage is the default target: the runtime as it is, nothing added.
    const last = Math.max(...instructions.map((i) => i.stage));
    expect(instructions.filter((i) => i.stage === last).map((i) => i.args)).toEqual(['runtime']);
    const demo = instructions.filter((i) => i.stage === stageOf('runtime AS demo') && i.keyword !== 'FROM');
    expect(demo.map((i) => i.keyword)).toEqual(['USER', 'RUN', 'COPY']);
    expect(demo[0]!.args).toBe('root');
    expect(demo[1]!.args).toMatch(/^apt-get update +&& apt-get install -y --no-install-recommends nix-bin /);
    expect(demo[2]!.args).toBe('docker/demo-path.nix ./docker/');
  });

  it('has a HEALTHCHECK in exec form', () => {
    expect(argsOf('HEALTHCHECK')).toHaveLength(1);
    expect(healthcheckCommand(argsOf('HEALTHCHECK')[0]!)[0]).toBe('node');
  });
});

/** The HEALTHCHECK's exec-form command: the JSON array after CMD. */
function healthcheckCommand(args: string): string[] {
  const json = /\bCMD\s+(\[.*\])\s*$/.exec(args)?.[1];
  if (json === undefined) throw new Error(`HEALTHCHECK is not in exec form: ${args}`);
  return JSON.parse(json) as string[];
}

describe("the image's entrypoint with the compose configs, as plain processes", () => {
  const root = tempDir('tally-docker-');
  const bin = tallyBinDir(root);
  const daemons = new Map<string, EntrypointDaemon>();
  // The caches service: one static server per builder's directory, as nginx serves them.
  const cachesDir = path.join(root, 'caches');
  const caches = new Map<string, StaticServer>();
  let demoEnv: Record<string, string>;

  beforeAll(async () => {
    for (const name of BUILDERS) {
      fs.mkdirSync(path.join(cachesDir, name), { recursive: true });
      caches.set(name, await serveDirectory(path.join(cachesDir, name)));
    }
    // Inside compose each daemon has its own address; here they share 127.0.0.1. The builders
    // start first, on ports the OS picks, and the client is pointed at the API addresses they report.
    const start = (name: string, replacements: [string, string][]) =>
      startEntrypointDaemon(bin, {
        TALLY_CONFIG: rewriteConfig(`${name}.toml`, replacements, root),
        TALLY_STATE_DIR: path.join(root, name),
      }).then((daemon) => daemons.set(name, daemon));
    const onPortZero: [string, string][] = [
      ['"0.0.0.0:9002"', '"127.0.0.1:0"'],
      ['"0.0.0.0:9001"', '"127.0.0.1:0"'],
      ['"0.0.0.0:9003"', '"127.0.0.1:0"'],
    ];
    await Promise.all(
      BUILDERS.map((name) => start(name, [...onPortZero, ['"/etc/tally/', `"${configDir}/`]])),
    );
    await start('client', [
      ...onPortZero,
      ...BUILDERS.map((b): [string, string] => [`"${b}:9002"`, `"${daemons.get(b)!.ready.addresses.api}"`]),
      ...BUILDERS.map((b): [string, string] => [`"http://caches/${b}"`, `"${caches.get(b)!.url}"`]),
    ]);
    demoEnv = {
      TALLY_DEMO_ROOT: root,
      TALLY_DEMO_CACHES: cachesDir,
      TALLY_DEMO_PROXY: `http://${daemons.get('client')!.ready.addresses.cache}`,
    };
  }, 150_000);

  afterAll(async () => {
    await Promise.all([...daemons.values()].map((d) => d.stop()));
    await Promise.all([...caches.values()].map((c) => c.close()));
  });

  it('the entrypoint execs the daemon: it is the process the container runtime signals', () => {
    for (const daemon of daemons.values()) expect(daemon.ready.pid).toBe(daemon.proc.pid);
  });

  let storePath: string;
  let digest: string;

  it('the demo builds a path, two builders log it from their caches, the client decides by two thirds, and Nix substitutes it through the proxy', async () => {
    const result = await runEntrypoint(['demo'], bin, demoEnv);
    expect(result.code, result.stderr).toBe(0);
    storePath = /^== built (\/nix\/store\/[0-9a-z]{32}-tally-demo-hello);/m.exec(result.stdout)![1]!;
    // What the two honest builders logged: the path's canonical value, from Nix itself.
    const output = nixOutputsFromPathInfoJson(JSON.parse(nix(['path-info', '--json', storePath])))[0]!;
    digest = sha256(encodeNixValue(output)).toString('hex');
    expect(result.stdout).toContain(`decided ${digest} by two-thirds, confidence 0.667`);
    expect(result.stdout).toMatch(new RegExp(`agrees +builder-a ${digest}`));
    expect(result.stdout).toMatch(new RegExp(`agrees +builder-b ${digest}`));
    expect(result.stdout).toMatch(/dissents +builder-c [0-9a-f]{64}/);
    expect(result.stdout).not.toMatch(new RegExp(`dissents +builder-c ${digest}`));
    // Substituted into a fresh store, with the bytes the builders built.
    expect(result.stdout).toContain(`substituted ${storePath}: hello from a reproducible build\n`);
    // Through the proxy, from an agreeing builder's cache; never from the dissenter's.
    const hashPart = path.basename(storePath).slice(0, 32);
    const agreeing = [...caches.get('builder-a')!.requests, ...caches.get('builder-b')!.requests];
    expect(agreeing).toContain(`/${hashPart}.narinfo`);
    expect(agreeing.some((p) => p.startsWith('/nar/'))).toBe(true);
    expect(caches.get('builder-c')!.requests.filter((p) => p.startsWith('/nar/'))).toEqual([]);
  }, 180_000);

  it('the demo runs again (what is logged stays logged), and other commands go through the entrypoint', async () => {
    const again = await runEntrypoint(['demo'], bin, demoEnv);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(`substituted ${storePath}: hello from a reproducible build\n`);
    const decide = await runEntrypoint(
      ['decide', storePath, '--admin-socket', path.join(root, 'client/admin.sock'), '--json'],
      bin,
    );
    expect(decide.code).toBe(0);
    const decision = JSON.parse(decide.stdout) as {
      decided: boolean;
      value: string;
      agreeing: { name: string }[];
      dissenting: { name: string }[];
    };
    expect(decision.decided).toBe(true);
    expect(sha256(Buffer.from(decision.value, 'base64')).toString('hex')).toBe(digest);
    expect(Buffer.from(decision.value, 'base64').toString()).toContain(storePath);
    expect(decision.agreeing.map((v) => v.name).sort()).toEqual(['builder-a', 'builder-b']);
    expect(decision.dissenting.map((v) => v.name)).toEqual(['builder-c']);
  }, 180_000);

  it("the Dockerfile's HEALTHCHECK command passes against a running daemon and fails with none", async () => {
    const [command = '', ...args] = healthcheckCommand(
      readDockerfile().find((i) => i.keyword === 'HEALTHCHECK')!.args,
    );
    const probe = (url: string) =>
      spawnSync(command === 'node' ? process.execPath : command, args, {
        env: { ...process.env, TALLY_HEALTH_URL: url },
        timeout: 10_000,
      }).status;
    const client = daemons.get('client')!;
    expect(probe(`http://${client.ready.addresses.cache}/healthz`)).toBe(0);
    expect(probe(`${await deadUrl()}/healthz`)).toBe(1);
  });

  it('without a readable config the entrypoint says so and exits 2', async () => {
    const missing = path.join(root, 'no-such.toml');
    const result = await runEntrypoint([], bin, {
      TALLY_CONFIG: missing,
      TALLY_STATE_DIR: path.join(root, 'none'),
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`cannot read the config file ${missing}`);
  });

  it('SIGTERM stops each daemon cleanly (exit 0)', async () => {
    const codes = await Promise.all([...daemons.values()].map((d) => d.stop()));
    expect(codes).toEqual([0, 0, 0, 0]);
  });
});
