/**
 * The binary cache `npm run bench:cache` serves: made with Debian's Nix from `builtins.derivation`
 * and /bin/sh (no nixpkgs), copied with `nix copy --to file://...`. Many small paths (narinfo
 * load) and one large one (NAR throughput).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** Debian's Nix as root without nixbld users or a sandbox. */
export const NIX_OPTIONS = ['--option', 'sandbox', 'false', '--option', 'build-users-group', ''];

export interface BenchPath {
  storePath: string;
  hashPart: string;
}

export interface BenchCache {
  dir: string;
  /** The `Compression` of every NAR in the cache. */
  compression: string;
  small: BenchPath[];
  large: BenchPath & { narUrl: string; narSize: number };
}

function run(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 << 20,
    });
  } catch (e) {
    const err = e as Error & { code?: string; stderr?: string };
    if (err.code === 'ENOENT') {
      throw new Error(
        `${command} not found: the cache benchmark needs Debian's Nix (apt-get install nix-bin)`,
      );
    }
    throw new Error(`${command} ${args.join(' ')} failed: ${err.stderr ?? err.message}`);
  }
}

function benchPath(storePath: string): BenchPath {
  return { storePath, hashPart: path.basename(storePath).slice(0, 32) };
}

/** Builds `smallPaths` tiny outputs and one of `largeBytes`, and copies them all into `dir`. */
export function makeBenchCache(
  workDir: string,
  options: { smallPaths: number; largeBytes: number; compression: string },
): BenchCache {
  const expr = path.join(workDir, 'bench-cache.nix');
  // seq | head: deterministic, cheap, and as compressible as ordinary text.
  fs.writeFileSync(
    expr,
    `let
  small = i: builtins.derivation {
    name = "tally-bench-small-\${toString i}";
    system = builtins.currentSystem;
    builder = "/bin/sh";
    args = [ "-c" "echo tally bench path \${toString i} > $out" ];
  };
  large = builtins.derivation {
    name = "tally-bench-large-${options.largeBytes}";
    system = builtins.currentSystem;
    builder = "/bin/sh";
    args = [ "-c" "/usr/bin/seq 1 1000000000 | /usr/bin/head -c ${options.largeBytes} > $out" ];
  };
in [ large ] ++ builtins.genList small ${options.smallPaths}
`,
  );
  const storePaths = run('nix-build', [expr, '--no-out-link', '--option', 'max-jobs', '4', ...NIX_OPTIONS])
    .trim()
    .split('\n');
  const dir = path.join(workDir, 'cache');
  run('nix', [
    'copy',
    '--to',
    `file://${dir}?compression=${options.compression}`,
    ...storePaths,
    ...NIX_OPTIONS,
    '--extra-experimental-features',
    'nix-command',
  ]);
  const large = benchPath(storePaths[0]!);
  const narinfo = fs.readFileSync(path.join(dir, `${large.hashPart}.narinfo`), 'utf8');
  const field = (key: string) => new RegExp(`^${key}: (.*)$`, 'm').exec(narinfo)?.[1] ?? '';
  return {
    dir,
    compression: field('Compression'),
    small: storePaths.slice(1).map(benchPath),
    large: { ...large, narUrl: field('URL'), narSize: Number(field('NarSize')) },
  };
}
