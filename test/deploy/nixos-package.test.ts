import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/tmp.js';
import { nixInstantiate, nixosDir } from './nix-instantiate.js';

/*
 * nixos/package.nix without nixpkgs (nix/eval-package.nix returns what it asks of each nixpkgs
 * function): the Node.js it builds on, and that every package of the lock is fetched, by name and
 * version, pinned by the lock's integrity. npm-pack.test.ts builds that fetch with real Nix.
 */

interface Fetch {
  name: string;
  spec: string;
  outputHash: string;
  outputHashMode: string;
  buildCommand: string;
  impureEnvVars: string[];
  nativeBuildInputs: string[];
}

interface PackageArgs {
  nodejs: string;
  npmConfigHook: string;
  makeWrapperArgs: string[];
  src: string[];
  npmDeps: { npmRoot: string; packageSourceOverrides: Record<string, Fetch> };
}

interface LockEntry {
  name?: string;
  version?: string;
  integrity?: string;
  resolved?: string;
  link?: boolean;
}

const lock = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, LockEntry>;
};

/** What npm installs from the registry: every entry but the root and links (none has resolved). */
const registryEntries = Object.entries(lock.packages).filter(([key, e]) => key !== '' && e.link !== true);

function evalPackage(): PackageArgs {
  const harness = path.join(import.meta.dirname, 'nix/eval-package.nix');
  const result = nixInstantiate([
    '--eval',
    '--strict',
    '--json',
    '--readonly-mode',
    harness,
    '--arg',
    'package',
    path.join(nixosDir, 'package.nix'),
  ]);
  if (result.status !== 0) throw new Error(`evaluating package.nix failed:\n${result.stderr}`);
  return JSON.parse(result.stdout) as PackageArgs;
}

describe('nixos/package.nix', () => {
  let pkg: PackageArgs;
  beforeAll(() => {
    pkg = evalPackage();
  });

  it('builds on nodejs_24 with importNpmLock and its npmConfigHook', () => {
    expect(pkg.nodejs).toBe('nodejs_24');
    expect(pkg.npmConfigHook).toBe('importNpmLock.npmConfigHook');
    expect(pkg.npmDeps.npmRoot).toBe('fileset.toSource');
    expect(pkg.src).toEqual(
      expect.arrayContaining([path.join(repoRoot, 'package.json'), path.join(repoRoot, 'package-lock.json')]),
    );
  });

  it("puts xz, zstd and bzip2 on the daemon's PATH, for the proxy's NAR decompression", () => {
    expect(pkg.makeWrapperArgs).toEqual(['--prefix', 'PATH', ':', '/xz/bin:/zstd/bin:/bzip2/bin']);
  });

  it('fetches every package of the lock, none left for npm to find offline', () => {
    expect(Object.keys(pkg.npmDeps.packageSourceOverrides).sort()).toEqual(
      registryEntries.map(([key]) => key).sort(),
    );
  });

  it('fetches each by name@version, pinned by the lock integrity, with npm-pack.sh on the same Node', () => {
    const builder = fs.readFileSync(path.join(nixosDir, 'npm-pack.sh'), 'utf8');
    for (const [key, entry] of registryEntries) {
      const fetch = pkg.npmDeps.packageSourceOverrides[key]!;
      const name = entry.name ?? key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);
      expect(fetch.spec, key).toBe(`${name}@${entry.version}`);
      expect(fetch.outputHash, key).toBe(entry.integrity);
      expect(fetch.outputHashMode, key).toBe('flat');
      // A valid store name that npm reads as a tarball (file:…tgz), not as a directory.
      expect(fetch.name, key).toMatch(/^[A-Za-z0-9+\-._?=]+\.tgz$/);
      expect(fetch.buildCommand, key).toBe(builder);
      expect(fetch.nativeBuildInputs, key).toEqual(['nodejs_24']);
      expect(fetch.impureEnvVars, key).toContain('npm_config_registry');
    }
  });

  it('a name from the lock entry wins over its path (npm aliases)', () => {
    const aliased = registryEntries.filter(([, e]) => e.name !== undefined);
    for (const [key, entry] of aliased) {
      expect(pkg.npmDeps.packageSourceOverrides[key]!.spec).toBe(`${entry.name}@${entry.version}`);
    }
    // This lock has no alias today; the rule is exercised through npm-sources.nix directly.
    const result = nixInstantiate([
      '--eval',
      '--strict',
      '--json',
      '-E',
      `(import ${path.join(nixosDir, 'npm-sources.nix')} {
         packageLock.packages = {
           "" = { name = "root"; };
           "node_modules/string-width-cjs" = { name = "string-width"; version = "4.2.3"; integrity = "sha512-x"; };
           "node_modules/a/node_modules/@s/b" = { version = "1.0.0"; integrity = "sha512-y"; };
           "node_modules/linked" = { link = true; };
           "node_modules/c/node_modules/bundled" = { version = "1.0.0"; integrity = "sha512-z"; inBundle = true; };
         };
         fetchTarball = a: a;
       })`,
    ]);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({
      'node_modules/string-width-cjs': {
        spec: 'string-width@4.2.3',
        storeName: 'string-width-4.2.3.tgz',
        integrity: 'sha512-x',
      },
      'node_modules/a/node_modules/@s/b': {
        spec: '@s/b@1.0.0',
        storeName: 's-b-1.0.0.tgz',
        integrity: 'sha512-y',
      },
    });
  });

  it('names no registry: neither the lock, the npm config nor nixos/ holds a registry URL', () => {
    const files = [
      'package-lock.json',
      '.npmrc',
      'package.json',
      ...fs.readdirSync(nixosDir).map((f) => `nixos/${f}`),
    ];
    for (const file of files) {
      const text = fs.readFileSync(path.join(repoRoot, file), 'utf8');
      expect(text, file).not.toMatch(/registry\.npmjs|"resolved"|^registry\s*=/m);
    }
  });
});
