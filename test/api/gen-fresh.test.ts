import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import { repoRoot, tempDir } from '../helpers/tmp.js';

// The generated code is checked in so builds need no protoc; these tests keep it honest.
const buf = path.join(repoRoot, 'node_modules', '.bin', 'buf');
const committedDir = path.join(repoRoot, 'src', 'api', 'gen');

function runBuf(args: string[]): { status: number | null; output: string } {
  const result = spawnSync(buf, args, { cwd: repoRoot, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .sort();
}

test('src/api/gen/ is what proto/ generates today (else run `npm run gen:proto`)', () => {
  const out = tempDir('tally-gen-');
  const generated = runBuf(['generate', 'proto', '--template', 'proto/buf.gen.yaml', '-o', out]);
  expect(generated).toEqual({ status: 0, output: '' });

  const freshDir = path.join(out, 'src', 'api', 'gen');
  const files = filesUnder(freshDir);
  expect(files).toEqual(['tally/v1/admin.ts', 'tally/v1/log.ts', 'tally/v1/node.ts']);
  expect(filesUnder(committedDir)).toEqual(files);
  for (const file of files) {
    const committed = fs.readFileSync(path.join(committedDir, file), 'utf8');
    expect(committed, `src/api/gen/${file} is stale`).toBe(
      fs.readFileSync(path.join(freshDir, file), 'utf8'),
    );
  }
});

test('proto/ passes buf lint (STANDARD style, every element commented)', () => {
  expect(runBuf(['lint', 'proto'])).toEqual({ status: 0, output: '' });
});
