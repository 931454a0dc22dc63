import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';

/** A fresh temp directory, removed after the test file finishes. */
export function tempDir(prefix = 'tally-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export const repoRoot = path.resolve(import.meta.dirname, '../..');
export const distDir = path.join(repoRoot, 'dist');
