/**
 * A real binary cache made with Debian's Nix: a tiny `builtins.derivation` built with /bin/sh
 * (no nixpkgs), copied with `nix copy --to file://...` once per compression. Tests that use it
 * fail, never skip, when Nix is missing.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { encodeNixValue, type NixOutput } from '../../src/nix/canonical-value.js';
import { nixOutputsFromPathInfoJson } from '../../src/nix/path-info.js';

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
  const storePath = execFileSync(
    'nix-build',
    [expr, '--no-out-link', '--option', 'sandbox', 'false', '--option', 'build-users-group', ''],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  ).trim();
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
