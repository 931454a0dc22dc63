import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { NetworkNamespace } from '../helpers/netns.js';
import { distDir, repoRoot, tempDir } from '../helpers/tmp.js';

export const packageJson = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
  bin: Record<string, string>;
  scripts: Record<string, string>;
};

/**
 * A scratch copy of the project as `npm ci` leaves a fresh clone: this checkout's
 * package.json, and its dist/ (built by `npm run build` before the suite) and node_modules/
 * linked in. The daemon keeps its default state dir, ./tally-data, in here.
 */
export function scratchProject(): string {
  const dir = tempDir('tally-readme-');
  fs.copyFileSync(path.join(repoRoot, 'package.json'), path.join(dir, 'package.json'));
  fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'));
  fs.symlinkSync(distDir, path.join(dir, 'dist'));
  writeNpxStandIn(dir);
  return dir;
}

/**
 * `npx tally ARGS` runs this package's own bin (package.json "bin"). Real npx first installs the
 * package into npm's npx cache, which runs its prepare script (a full rebuild of dist/ under the
 * other tests' feet), so README lines run with this stand-in first on PATH: it runs the same bin.
 */
function writeNpxStandIn(project: string): void {
  const bin = path.join(project, '.bin');
  fs.mkdirSync(bin);
  const script = [
    '#!/bin/sh',
    `[ "$1" = tally ] || { echo "npx stand-in: only 'npx tally ...' is supported" >&2; exit 127; }`,
    'shift',
    `exec '${process.execPath}' '${path.join(project, packageJson.bin.tally!)}' "$@"`,
  ].join('\n');
  fs.writeFileSync(path.join(bin, 'npx'), script + '\n', { mode: 0o755 });
}

/**
 * Runs one README command line with sh, as typed (comment included), in the scratch project; in
 * `netns` when given (where a daemon on the default ports runs).
 */
export function runAsTyped(
  line: string,
  project: string,
  netns?: NetworkNamespace,
): { code: number | null; stdout: string; stderr: string } {
  const env = { ...process.env, PATH: `${path.join(project, '.bin')}:${process.env.PATH}` };
  if (netns) return netns.run(['sh', '-c', line], { cwd: project, env });
  const run = spawnSync('sh', ['-c', line], { cwd: project, env, encoding: 'utf8' });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}
