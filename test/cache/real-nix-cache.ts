/**
 * A real binary cache made with Debian's Nix: a tiny `builtins.derivation` built with /bin/sh
 * (no nixpkgs), copied with `nix copy --to file://...` once per compression. Tests that use it
 * fail, never skip, when Nix is missing. Also the one way tests and benches run Nix as a client of
 * a cache under test (built into dist/ for bench/, see tsconfig.build.json).
 */
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { encodeNixValue, type NixOutput } from '../../src/nix/canonical-value.js';
import { nixOutputsFromPathInfoJson } from '../../src/nix/path-info.js';

/** Debian's Nix as root without nixbld users or a sandbox, with the `nix` command on. */
export const NIX_OPTIONS = [
  '--option',
  'sandbox',
  'false',
  '--option',
  'build-users-group',
  '',
  '--extra-experimental-features',
  'nix-command',
];

export function nix(args: string[]): string {
  return execFileSync('nix', [...args, ...NIX_OPTIONS], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/**
 * Runs `nix ARGS` as a client of a binary cache signed by `trustedKey` (Nix key-file public key):
 * it trusts that key only, and caches no narinfo, in a disk cache of its own in `cacheHome`.
 * Other tests and runs serve the same store paths from other proxies, with other keys, perhaps
 * on the same port: a narinfo Nix cached for that URL would fail this cache's key. Asynchronous,
 * since the cache may be served from this same process.
 */
export function runNixClient(
  trustedKey: string,
  args: string[],
  options: { cacheHome: string; timeoutMs?: number },
): Promise<{ stdout: string; stderr: string }> {
  return promisify(execFile)(
    'nix',
    [
      ...args,
      '--option',
      'trusted-public-keys',
      trustedKey,
      '--option',
      'narinfo-cache-negative-ttl',
      '0',
      '--option',
      'narinfo-cache-positive-ttl',
      '0',
      ...NIX_OPTIONS,
    ],
    { timeout: options.timeoutMs ?? 0, env: { ...process.env, XDG_CACHE_HOME: options.cacheHome } },
  );
}

export interface RealCache {
  storePath: string;
  hashPart: string;
  output: NixOutput;
  value: Buffer;
  /** The output file's bytes, as built. */
  content: Buffer;
  /** One cache directory per compression: xz, zstd, bzip2, none. */
  dirs: Record<'xz' | 'zstd' | 'bzip2' | 'none', string>;
}

export function makeRealCache(dir: string): RealCache {
  const expr = path.join(dir, 'out.nix');
  // Thousands of lines: the NAR spans several stream chunks.
  fs.writeFileSync(
    expr,
    'builtins.derivation { name = "tally-cache-test"; system = builtins.currentSystem; builder = "/bin/sh";\n' +
      '  args = [ "-c" "i=0; while [ $i -lt 20000 ]; do echo tally cache line $i; i=$((i+1)); done > $out" ]; }\n',
  );
  const storePath = execFileSync('nix-build', [expr, '--no-out-link', ...NIX_OPTIONS], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
  const output = nixOutputsFromPathInfoJson(JSON.parse(nix(['path-info', '--json', storePath])))[0]!;
  const dirs = {} as RealCache['dirs'];
  for (const compression of ['xz', 'zstd', 'bzip2', 'none'] as const) {
    dirs[compression] = path.join(dir, `cache-${compression}`);
    nix(['copy', '--to', `file://${dirs[compression]}?compression=${compression}`, storePath]);
  }
  return {
    storePath,
    hashPart: path.basename(storePath).slice(0, 32),
    output,
    value: encodeNixValue(output),
    content: fs.readFileSync(storePath),
    dirs,
  };
}
