import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll } from 'vitest';
import { cliPath } from '../helpers/daemon.js';

/**
 * A throwaway Nix store for tests: NIX_STORE_DIR and friends under a temp directory, so builds run
 * natively (sandbox off, as Debian's nix-bin needs) without touching /nix/store. Requires `nix`:
 * these tests fail, never skip, without it (`.ci/run` installs nix-bin).
 */
export interface TestNixStore {
  storeDir: string;
  env: NodeJS.ProcessEnv;
  /** `nix-build` of an expression; resolves with the output path, rejects with Nix's stderr. */
  build(expression: string, options?: { postBuildHook?: string }): Promise<string>;
  /** The raw JSON text of `nix path-info --json [--recursive] paths`. */
  pathInfoJson(paths: string[], recursive?: boolean): unknown;
  nix(args: string[]): string;
  /** Runs the built tally CLI with this store's environment (so its `nix` calls see the store). */
  cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }>;
}

const builds = new Set<ChildProcess>();
afterAll(() => {
  for (const p of builds) p.kill('SIGKILL');
});

function run(command: string, args: string[], env: NodeJS.ProcessEnv) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const proc = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    builds.add(proc);
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    proc.on('exit', (code) => {
      builds.delete(proc);
      resolve({ code, stdout, stderr });
    });
  });
}

export function requireNix(): void {
  try {
    execFileSync('nix', ['--version'], { stdio: 'pipe' });
  } catch (err) {
    throw new Error(`these tests need Nix (Debian's nix-bin) on PATH: ${(err as Error).message}`);
  }
}

export function createTestNixStore(root: string): TestNixStore {
  requireNix();
  const storeDir = path.join(root, 'store');
  const confDir = path.join(root, 'etc');
  fs.mkdirSync(confDir, { recursive: true });
  fs.writeFileSync(
    path.join(confDir, 'nix.conf'),
    'sandbox = false\nbuild-users-group =\nexperimental-features = nix-command\nsubstituters =\n',
  );
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NIX_STORE_DIR: storeDir,
    NIX_STATE_DIR: path.join(root, 'var'),
    NIX_LOG_DIR: path.join(root, 'log'),
    NIX_CONF_DIR: confDir,
    NIX_REMOTE: '',
  };
  delete env.NIX_CONFIG;
  const nix = (args: string[]) =>
    execFileSync('nix', args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return {
    storeDir,
    env,
    nix,
    pathInfoJson: (paths, recursive = false) =>
      JSON.parse(nix(['path-info', '--json', ...(recursive ? ['--recursive'] : []), ...paths])) as unknown,
    cli: (args) => run(process.execPath, [cliPath, ...args], env),
    async build(expression, options = {}) {
      const args = ['--no-out-link', '-E', expression];
      if (options.postBuildHook) args.push('--option', 'post-build-hook', options.postBuildHook);
      const { code, stdout, stderr } = await run('nix-build', args, env);
      if (code !== 0) throw new Error(`nix-build exited with ${code}:\n${stderr}`);
      return stdout.trim();
    },
  };
}

/** A derivation whose output is `text` (a nonce keeps each test's paths new to its store). */
export function textDerivation(name: string, shellCommand: string): string {
  return `builtins.derivation { name = "${name}"; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" ${JSON.stringify(shellCommand)} ]; }`;
}

/** The post-build-hook program Nix runs: our built CLI with the given arguments. */
export function writeHookScript(file: string, args: string[]): string {
  const quoted = [process.execPath, cliPath, 'post-build-hook', ...args].map((a) => `'${a}'`).join(' ');
  fs.writeFileSync(file, `#!/bin/sh\nexec ${quoted}\n`, { mode: 0o755 });
  return path.resolve(file);
}
