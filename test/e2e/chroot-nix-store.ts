import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll } from 'vitest';
import { cliPath } from '../helpers/daemon.js';
import { requireNix } from '../builder/nix-store.js';

/**
 * A Nix store of its own under a temp directory, with the store dir still /nix/store
 * (`local?root=DIR`: paths live at DIR/nix/store/...), so builders in separate stores compute the
 * same store paths and the client can substitute them. Every setting is in the store's own
 * nix.conf (NIX_CONF_DIR): Nix hands it to the post-build hook in NIX_CONFIG, so the hook's own
 * `nix path-info` sees this store. Nix builds in a diverted store inside a chroot whatever
 * `sandbox` says, so `sandbox-paths` exposes the host's /bin/sh and its libraries.
 * Requires Nix: tests that use it fail, never skip, without it.
 */
export interface ChrootNixStore {
  /** Physical root: store path P lives at `root + P`. */
  root: string;
  env: NodeJS.ProcessEnv;
  /** `nix-build` of an expression (or a list of derivations); resolves with the output paths. */
  build(expression: string): Promise<string[]>;
  /** Runs `nix` (nix-command enabled); rejects unless it exits 0. */
  nix(args: string[]): Promise<string>;
  /** Runs `nix` and reports how it ended, for commands expected to fail. */
  tryNix(args: string[]): Promise<ProcessResult>;
  /** Runs the built tally CLI with this store's environment (its `nix` calls see this store). */
  cli(args: string[]): Promise<ProcessResult>;
  /** Where the bytes of a store path are on disk. */
  realPath(storePath: string): string;
  /** Whether the store has registered the path as valid. */
  isValid(storePath: string): Promise<boolean>;
}

export interface ProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface ChrootNixStoreOptions {
  /** nix.conf's post-build-hook: the real hook, as a builder would configure it. */
  postBuildHook?: string;
  /** Extra `sandbox-paths` entries, chroot path -> host path (what this builder's builds can read). */
  sandboxFiles?: Record<string, string>;
}

const running = new Set<ChildProcess>();
afterAll(() => {
  for (const p of running) p.kill('SIGKILL');
});

/** Runs a program asynchronously: the test process serves the upstream caches meanwhile. */
export function runProcess(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const proc = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(proc);
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    proc.on('error', reject);
    proc.on('close', (code) => {
      running.delete(proc);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Host directories a /bin/sh builder needs inside the chroot (those that exist here). */
const HOST_SANDBOX_PATHS = ['/bin', '/usr', '/lib', '/lib64'].filter((p) => fs.existsSync(p));

export function createChrootNixStore(root: string, options: ChrootNixStoreOptions = {}): ChrootNixStore {
  requireNix();
  const confDir = path.join(root, 'etc');
  fs.mkdirSync(confDir, { recursive: true });
  const sandboxPaths = [
    ...HOST_SANDBOX_PATHS,
    ...Object.entries(options.sandboxFiles ?? {}).map(([inside, host]) => `${inside}=${host}`),
  ];
  fs.writeFileSync(
    path.join(confDir, 'nix.conf'),
    [
      `store = local?root=${root}`,
      'sandbox = false',
      'build-users-group =',
      'experimental-features = nix-command',
      'substituters =',
      // The client must ask the proxy again rather than trust an earlier "absent".
      'narinfo-cache-negative-ttl = 0',
      `sandbox-paths = ${sandboxPaths.join(' ')}`,
      ...(options.postBuildHook ? [`post-build-hook = ${options.postBuildHook}`] : []),
      '',
    ].join('\n'),
  );
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NIX_CONF_DIR: confDir,
    // Nix's narinfo disk cache, per store: a reused port of an earlier run must not answer from it.
    XDG_CACHE_HOME: path.join(root, 'cache-home'),
    NIX_REMOTE: '',
  };
  delete env.NIX_CONFIG;
  delete env.NIX_STORE_DIR;
  const tryNix = (args: string[]) => runProcess('nix', args, env);
  const nix = async (args: string[]) => {
    const result = await tryNix(args);
    if (result.code !== 0)
      throw new Error(`nix ${args.join(' ')} exited with ${result.code}:\n${result.stderr}`);
    return result.stdout;
  };
  return {
    root,
    env,
    nix,
    tryNix,
    cli: (args) => runProcess(process.execPath, [cliPath, ...args], env),
    realPath: (storePath) => path.join(root, storePath),
    isValid: async (storePath) => (await tryNix(['path-info', storePath])).code === 0,
    async build(expression) {
      const { code, stdout, stderr } = await runProcess(
        'nix-build',
        ['--no-out-link', '-E', expression],
        env,
      );
      if (code !== 0) throw new Error(`nix-build exited with ${code}:\n${stderr}`);
      return stdout.split('\n').filter((line) => line !== '');
    },
  };
}
