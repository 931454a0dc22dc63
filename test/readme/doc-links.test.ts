import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/tmp.js';
import { anchorOf, anchorsOf } from './readme.js';

/*
 * What the docs point to exists: every relative Markdown link (and its #anchor), and every
 * repository path they name in passing (`docs/config.md`, `test/deploy/docker.test.ts`), in the
 * README, docs/, and the comments of the example and deployment files.
 */

const DOCS = [
  'README.md',
  ...fs.readdirSync(path.join(repoRoot, 'docs')).map((f) => `docs/${f}`),
  ...fs.readdirSync(path.join(repoRoot, 'docker')).flatMap((f) => (f.includes('.') ? [`docker/${f}`] : [])),
  ...fs.readdirSync(path.join(repoRoot, 'docker/config')).map((f) => `docker/config/${f}`),
  ...fs.readdirSync(path.join(repoRoot, 'nixos')).map((f) => `nixos/${f}`),
].filter((f) => fs.statSync(path.join(repoRoot, f)).isFile());

const read = (file: string) => fs.readFileSync(path.join(repoRoot, file), 'utf8');

/** [text](target) links that are neither absolute URLs nor mail addresses. */
function relativeLinks(markdown: string): string[] {
  return [...markdown.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1]!)
    .filter((target) => !/^[a-z]+:/i.test(target));
}

/** Repository paths named in passing: `docs/x.md`, `test/a/b.test.ts`, `nixos/module.nix`, ... */
function namedPaths(text: string): string[] {
  const pattern =
    /(?<![\w./~-])(?:docs|docker|nixos|test|src|bench|lua-policies|proto|\.ci)\/[\w./-]*[\w-]\.(?:md|ts|toml|nix|sh|lua|yaml|proto|json)\b/g;
  return [...new Set(text.match(pattern) ?? [])];
}

describe('links and paths in the docs', () => {
  it('finds the files and what they name', () => {
    expect(DOCS).toContain('docs/example-config.toml');
    expect(DOCS).toContain('docker/compose.yaml');
    expect(namedPaths('see docs/config.md and ./x/docs/no.md, (test/deploy/docker.test.ts)')).toEqual([
      'docs/config.md',
      'test/deploy/docker.test.ts',
    ]);
    expect(anchorOf('`[publish]`: the log this node publishes')).toBe('publish-the-log-this-node-publishes');
  });

  it.each(DOCS.filter((f) => f.endsWith('.md')))(
    '%s: every relative link reaches a file and heading',
    (file) => {
      const broken = relativeLinks(read(file)).filter((target) => {
        const [pathPart, anchor] = target.split('#') as [string, string | undefined];
        const targetFile = pathPart === '' ? file : path.join(path.dirname(file), pathPart);
        if (!fs.existsSync(path.join(repoRoot, targetFile))) return true;
        if (anchor === undefined || !targetFile.endsWith('.md')) return false;
        return !anchorsOf(read(targetFile)).has(anchor);
      });
      expect(broken).toEqual([]);
    },
  );

  it.each(DOCS)('%s: every repository path it names exists', (file) => {
    const missing = namedPaths(read(file)).filter((p) => !fs.existsSync(path.join(repoRoot, p)));
    expect(missing).toEqual([]);
  });
});
