import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createChrootNixStore, type ChrootNixStore } from '../e2e/chroot-nix-store.js';
import { repoRoot, tempDir } from '../helpers/tmp.js';
import { nixosDir } from './nix-instantiate.js';

/*
 * How nixos/package.nix fetches the lock's packages, built by real Nix (Debian's, no nixpkgs):
 * nixos/npm-sources.nix picks the entry and its spec, nixos/npm-pack.sh is the builder, and the
 * derivation is fixed-output with the lock's integrity as its hash, as fetchNpmTarball makes it.
 * Only stdenv is replaced: the builder runs under /bin/sh with the host's npm. It fetches from the
 * npm registry, which CI reaches.
 */

const lockPath = path.join(repoRoot, 'package-lock.json');
const lock = JSON.parse(fs.readFileSync(lockPath, 'utf8')) as {
  packages: Record<string, { integrity: string }>;
};

/** nix-build of npm-sources.nix's entry for `lockKey`, through a fixed-output derivation. */
function fetchExpression(lockKey: string, integrityOverride?: string): string {
  const integrity = integrityOverride === undefined ? 'a.integrity' : JSON.stringify(integrityOverride);
  return `
    let
      sources = import ${path.join(nixosDir, 'npm-sources.nix')} {
        packageLock = builtins.fromJSON (builtins.readFile ${lockPath});
        fetchTarball = a: builtins.derivation {
          name = a.storeName;
          inherit (a) spec;
          system = builtins.currentSystem;
          builder = "/bin/sh";
          args = [ ${path.join(nixosDir, 'npm-pack.sh')} ];
          PATH = "/usr/bin:/bin";
          outputHash = ${integrity};
          outputHashMode = "flat";
        };
      };
    in sources.${JSON.stringify(lockKey)}`;
}

function sri(file: string): string {
  return `sha512-${crypto.createHash('sha512').update(fs.readFileSync(file)).digest('base64')}`;
}

describe('nixos/package.nix fetches each lock entry by name and version, pinned by its integrity', () => {
  let store: ChrootNixStore;
  beforeAll(() => {
    // The host's npm reads its global config, which may name a CA file under /etc/ssl.
    const sandboxFiles: Record<string, string> = {};
    if (fs.existsSync('/etc/ssl')) sandboxFiles['/etc/ssl'] = '/etc/ssl';
    store = createChrootNixStore(tempDir('tally-npm-pack-'), { sandboxFiles });
  });

  it('a package nested under a scoped one: the registry tarball, byte for byte', async () => {
    const key = 'node_modules/@typescript-eslint/typescript-estree/node_modules/brace-expansion';
    const [out] = await store.build(fetchExpression(key));
    expect(out).toMatch(/^\/nix\/store\/[a-z0-9]{32}-brace-expansion-[0-9.]+\.tgz$/);
    expect(sri(store.realPath(out!))).toBe(lock.packages[key]!.integrity);
  }, 120_000);

  it('a scoped name keeps its scope in the spec and loses "@" and "/" in the store name', async () => {
    const key = 'node_modules/@types/cli-progress';
    const [out] = await store.build(fetchExpression(key));
    expect(path.basename(out!)).toMatch(/^[a-z0-9]{32}-types-cli-progress-[0-9.]+\.tgz$/);
    expect(sri(store.realPath(out!))).toBe(lock.packages[key]!.integrity);
  }, 120_000);

  it('bytes that differ from the lock (here: another package under its integrity) fail the build', async () => {
    const other = lock.packages['node_modules/@types/cli-progress']!.integrity;
    await expect(store.build(fetchExpression('node_modules/ms', other))).rejects.toThrow(/hash mismatch/);
  }, 120_000);
});
