import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';

const madeDirs: string[] = [];
// Registered when this module loads (file level), so it runs even for directories made inside a
// beforeAll, where a hook registered then would never run.
afterAll(() => {
  for (const dir of madeDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A fresh temp directory, removed after the test file finishes. */
export function tempDir(prefix = 'tally-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  madeDirs.push(dir);
  return dir;
}

export const repoRoot = path.resolve(import.meta.dirname, '../..');
export const distDir = path.join(repoRoot, 'dist');
