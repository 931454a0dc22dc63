import crypto from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeNixBase32 } from '../../src/crypto/nix-base32.js';
import { startDaemonProcess, testConfig, type DaemonProcess } from '../helpers/daemon.js';
import { tempDir } from '../helpers/tmp.js';
import { CLI, assertBuilt, runCli } from './run-cli.js';

/*
 * submit-closure and publish-cache as scripts and CI see them: piped, their output is the result
 * line and nothing else (no bar, no escape codes). On a terminal (a pty from `script`) the bar is
 * drawn, unless CI is set. `nix path-info` is a stand-in script here: real Nix is covered in
 * test/builder/nix-publish.test.ts; this file is about the output.
 */

const PATHS = 1500; // more than one submission batch of 1,000
const ESC = '\x1b';

const hashPart = () => encodeNixBase32(crypto.randomBytes(20));
const narHash = () => `sha256:${encodeNixBase32(crypto.randomBytes(32))}`;

/** This process's environment without CI (CI runs set it), plus `extra`. */
function envWithoutCi(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.CI;
  return { ...env, ...extra };
}

const shellQuote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;

/** Runs the CLI on a pseudo-terminal (util-linux `script`); stdout and stderr both land in `output`. */
function runCliOnTerminal(args: string[], env: NodeJS.ProcessEnv): { code: number | null; output: string } {
  const command = [process.execPath, CLI, ...args].map(shellQuote).join(' ');
  const result = spawnSync('script', ['--quiet', '--return', '--command', command, '/dev/null'], {
    env,
    encoding: 'utf8',
    input: '',
  });
  if (result.error) throw result.error;
  return { code: result.status, output: result.stdout };
}

let daemon: DaemonProcess;
let dir: string;
const admin = () => ['--admin-socket', daemon.adminSocket];

beforeAll(async () => {
  assertBuilt();
  dir = tempDir('tally-progress-');
  daemon = await startDaemonProcess({ stateDir: path.join(dir, 'state'), config: testConfig() });
}, 60_000);
afterAll(async () => {
  await daemon?.stop();
});

/** A file:// style cache directory with `count` narinfos of fresh store paths. */
function writeCache(name: string, count: number): string {
  const cache = path.join(dir, name);
  fs.mkdirSync(cache);
  fs.writeFileSync(
    path.join(cache, 'nix-cache-info'),
    'StoreDir: /nix/store\nWantMassQuery: 1\nPriority: 40\n',
  );
  for (let i = 0; i < count; i++) {
    const hash = hashPart();
    const narinfo = [
      `StorePath: /nix/store/${hash}-p${i}`,
      `URL: nar/${hash}.nar`,
      'Compression: none',
      `NarHash: ${narHash()}`,
      `NarSize: ${1000 + i}`,
      'References: ',
    ].join('\n');
    fs.writeFileSync(path.join(cache, `${hash}.narinfo`), narinfo + '\n');
  }
  return cache;
}

/**
 * A `nix` on PATH that answers `nix path-info --json` with `count` fresh paths (Nix 2.8's shape),
 * and the store questions submit-closure asks first as a default Nix would.
 */
function fakeNixBin(name: string, count: number): string {
  const bin = path.join(dir, name);
  fs.mkdirSync(bin);
  const infos = Array.from({ length: count }, (_, i) => ({
    path: `/nix/store/${hashPart()}-p${i}`,
    narHash: narHash(),
    narSize: 1000 + i,
    references: [],
  }));
  fs.writeFileSync(path.join(bin, 'path-info.json'), JSON.stringify(infos));
  fs.writeFileSync(
    path.join(bin, 'nix'),
    '#!/bin/sh\ncase " $* " in\n' +
      "  *' eval '*) printf /nix/store ;;\n" +
      `  *' show-config '*) echo '{"store":{"value":"auto"}}' ;;\n` +
      `  *) exec cat ${shellQuote(path.join(bin, 'path-info.json'))} ;;\nesac\n`,
    {
      mode: 0o755,
    },
  );
  return bin;
}

/** What submit-closure prints first: the store it reads. */
const STORE_LINE =
  "tally: reading Nix store auto (Nix's configured store; choose one with --store), store dir /nix/store";

describe('piped (not a terminal)', () => {
  it('publish-cache prints only its result line, no bar and no escape codes', () => {
    const cache = writeCache('cache-piped', PATHS);
    const run = runCli(['publish-cache', cache, ...admin()], undefined, envWithoutCi());
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe(`${PATHS} narinfos from ${cache}: ${PATHS} appended, 0 already present\n`);
    expect(run.stderr).toBe('');
  }, 60_000);

  it('submit-closure prints only its result line, no bar and no escape codes', () => {
    const bin = fakeNixBin('nix-piped', PATHS);
    const env = envWithoutCi({ PATH: `${bin}:${process.env.PATH}` });
    const run = runCli(['submit-closure', '/nix/store/whatever', ...admin()], undefined, env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe(`closure of ${PATHS} paths: ${PATHS} appended, 0 already present\n`);
    expect(run.stderr).toBe(STORE_LINE + '\n');
    expect(run.stdout).not.toContain(ESC);
  }, 60_000);
});

describe('on a terminal', () => {
  it('publish-cache draws a bar, then erases it before the result line', () => {
    const cache = writeCache('cache-tty', PATHS);
    const run = runCliOnTerminal(['publish-cache', cache, ...admin()], envWithoutCi());
    expect(run.code, run.output).toBe(0);
    expect(run.output).toMatch(/reading narinfos \[[#-]{30}\] \d+% \d+\/1500/);
    expect(run.output).toMatch(/publishing \[[#-]{30}\] \d+% \d+\/1500/);
    expect(run.output).toContain(`${ESC}[2K`);
    expect(run.output).toMatch(
      new RegExp(`\\n?${PATHS} narinfos from .*: ${PATHS} appended, 0 already present\\r?\\n$`),
    );
  }, 60_000);

  it('stays quiet with CI set: the result line only', () => {
    const bin = fakeNixBin('nix-ci', PATHS);
    const run = runCliOnTerminal(
      ['submit-closure', '/nix/store/whatever', ...admin()],
      envWithoutCi({ CI: 'true', PATH: `${bin}:${process.env.PATH}` }),
    );
    expect(run.code, run.output).toBe(0);
    expect(run.output).not.toContain(ESC);
    expect(run.output).toBe(
      `${STORE_LINE}\r\nclosure of ${PATHS} paths: ${PATHS} appended, 0 already present\r\n`,
    );
  }, 60_000);
});
