import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Runs the built CLI (`dist/src/cli/main.js`) as a child process, as users and scripts do. */
const ROOT = path.resolve(import.meta.dirname, '../..');
export const CLI = path.join(ROOT, 'dist/src/cli/main.js');

function newestSourceMtime(): number {
  let newest = 0;
  for (const entry of fs.readdirSync(path.join(ROOT, 'src'), { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.ts')) {
      newest = Math.max(newest, fs.statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
    }
  }
  return newest;
}

/**
 * `npm test` builds first; when these tests run alone and the CLI's sources changed, compile just
 * `src/cli/main.ts` and its imports with the build settings (same output paths as
 * `tsc -p tsconfig.build.json`), so modules the CLI does not import cannot break or slow it.
 */
export function ensureBuilt(): void {
  const built = fs.existsSync(CLI) ? fs.statSync(CLI).mtimeMs : 0;
  if (built >= newestSourceMtime()) return;
  const started = Date.now();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tally-cli-build-'));
  const config = path.join(tmp, 'tsconfig.json');
  fs.writeFileSync(
    config,
    JSON.stringify({
      extends: path.join(ROOT, 'tsconfig.build.json'),
      // typeRoots default to node_modules/@types next to this temporary config, so point them home.
      compilerOptions: { typeRoots: [path.join(ROOT, 'node_modules/@types')] },
      files: [path.join(ROOT, 'src/cli/main.ts')],
      include: [],
    }),
  );
  let output = '';
  try {
    execFileSync(path.join(ROOT, 'node_modules/.bin/tsc'), ['-p', config], { cwd: ROOT, stdio: 'pipe' });
  } catch (err) {
    // Type errors still emit (noEmitOnError is off); only a missing or stale CLI is fatal.
    output = (err as { stdout?: Buffer }).stdout?.toString() ?? String(err);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  if (!fs.existsSync(CLI) || fs.statSync(CLI).mtimeMs < started - 1000) {
    throw new Error(`building the CLI failed:\n${output}`);
  }
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], input?: string): CliRun {
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, input, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}
