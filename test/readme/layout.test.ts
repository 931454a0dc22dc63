import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { repoRoot } from '../helpers/tmp.js';
import { section } from './readme.js';

/*
 * The layout the docs describe is the one src/ has: README's Development > Layout and
 * docs/ARCHITECTURE.md's layer table name every folder of src/, in the layers
 * .dependency-cruiser.cjs enforces, and every file ARCHITECTURE.md names exists. Test folders
 * mirror src/.
 */

const read = (file: string) => fs.readFileSync(path.join(repoRoot, file), 'utf8');
const ARCHITECTURE = read('docs/ARCHITECTURE.md');

/** The folders of src/ as the layer rules name them: `api/server` and `api/http` apart from `api`, `errors` for errors.ts. */
function srcFolders(): string[] {
  const src = path.join(repoRoot, 'src');
  const folders = fs
    .readdirSync(src, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name);
  const apiServers = ['server', 'http'].filter((name) => fs.existsSync(path.join(src, 'api', name)));
  return [...folders, ...apiServers.map((name) => `api/${name}`), 'errors'].sort();
}

/** The LAYERS literal of .dependency-cruiser.cjs, top first. */
function enforcedLayers(): string[][] {
  const literal = /^const LAYERS = (\[[\s\S]*?\n\]);$/m.exec(read('.dependency-cruiser.cjs'))?.[1];
  expect(literal, 'a `const LAYERS = [...];` in .dependency-cruiser.cjs').toBeDefined();
  return JSON.parse(literal!.replaceAll("'", '"').replace(/,(\s*\])/g, '$1')) as string[][];
}

/** The layer table of ARCHITECTURE.md, top first: the folders of each row's second column. */
function documentedLayers(): string[][] {
  return [...ARCHITECTURE.matchAll(/^\| (\d+) \| ([^|]+) \|/gm)].map((row) =>
    [...row[2]!.matchAll(/`([\w/.-]+?)\/?`/g)]
      .map((name) => name[1]!.replace(/\.ts$/, ''))
      .filter((name) => !name.startsWith('server') && !name.startsWith('http')),
  );
}

describe('docs/ARCHITECTURE.md', () => {
  test('its layer table is the layering .dependency-cruiser.cjs enforces', () => {
    expect(documentedLayers()).toEqual(enforcedLayers());
  });

  test('the layers hold every folder of src/, each once', () => {
    expect(enforcedLayers().flat().sort()).toEqual(srcFolders());
  });

  test('every file it names exists', () => {
    const named = [...new Set([...ARCHITECTURE.matchAll(/`(src\/[\w/.-]+\.ts)`/g)].map((m) => m[1]!))];
    expect(named.length).toBeGreaterThan(20);
    expect(named.filter((file) => !fs.existsSync(path.join(repoRoot, file)))).toEqual([]);
  });
});

test("README's Layout names every folder of src/", () => {
  const development = section('Development');
  const layout = development.slice(development.indexOf('- Layout:'));
  const named = new Set([...layout.matchAll(/`([\w/-]+?)\/`|`(errors)\.ts`/g)].map((m) => m[1] ?? m[2]));
  expect(srcFolders().filter((folder) => !named.has(folder))).toEqual([]);
});

/** Test folders that test the whole rather than one folder of src/, or serve the other tests. */
const WHOLE_SYSTEM_TEST_FOLDERS = ['deploy', 'e2e', 'fixtures', 'helpers', 'readme'];

describe('test/ mirrors src/', () => {
  const dirs = (root: string) =>
    fs
      .readdirSync(path.join(repoRoot, root), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
  const srcTop = dirs('src');
  const testTop = dirs('test');

  test('every folder of src/ with code in it has a test folder of the same name', () => {
    // A folder of types alone (src/vote/) has nothing to run; its users' tests check it.
    const hasCode = (folder: string) =>
      fs
        .readdirSync(path.join(repoRoot, 'src', folder), { recursive: true, encoding: 'utf8' })
        .filter((file) => file.endsWith('.ts'))
        .some((file) =>
          /^export (async function|function|const|let|class)\b/m.test(read(path.join('src', folder, file))),
        );
    expect(srcTop.filter((folder) => hasCode(folder) && !testTop.includes(folder))).toEqual([]);
  });

  test('every other test folder is one of the whole-system ones', () => {
    expect(testTop.filter((folder) => !srcTop.includes(folder))).toEqual(WHOLE_SYSTEM_TEST_FOLDERS);
  });
});
