import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { distDir, repoRoot } from '../helpers/tmp.js';

/**
 * Runs the built CLI as a child process, as users and scripts do. The build is `npm test`'s first
 * step (or `npx tsc -p tsconfig.build.json`); tests never rebuild dist/, since daemons started by
 * other test files run from it. spawnSync returns only after stdout and stderr are fully drained.
 */
export const CLI = path.join(distDir, 'src/cli/main.js');

export function assertBuilt(): void {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npx tsc -p tsconfig.build.json\` first`);
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `env` replaces the child's environment (default: this process's). */
export function runCli(args: string[], input?: string, env?: NodeJS.ProcessEnv): CliRun {
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd: repoRoot, input, env, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}
