import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, tempDir } from '../helpers/tmp.js';

/*
 * package-lock.json as `npm ci` (.ci/run, docker/Dockerfile) and nixos/package.nix consume it:
 * complete for every platform, and carrying integrity without registry URLs.
 */

interface LockEntry {
  version?: string;
  integrity?: string;
  resolved?: string;
  link?: boolean;
}

const lock = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, LockEntry>;
};

describe('package-lock.json', () => {
  it('is in sync with package.json for npm ci, platform-specific optional packages included', () => {
    // A copy without node_modules, so npm checks the lock alone; --offline: the check needs no
    // registry (an out-of-sync lock is refused before anything is fetched).
    const dir = tempDir('tally-lock-');
    for (const file of ['package.json', 'package-lock.json', '.npmrc']) {
      fs.copyFileSync(path.join(repoRoot, file), path.join(dir, file));
    }
    const result = spawnSync(
      'npm',
      ['ci', '--dry-run', '--ignore-scripts', '--offline', '--no-audit', '--no-fund'],
      { cwd: dir, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' } },
    );
    expect(result.stderr).not.toMatch(/can only install packages when your package\.json/);
    expect(result.status).toBe(0);
  });

  it('gives every package an integrity and a version, and no registry URL (resolved)', () => {
    const installed = Object.entries(lock.packages).filter(
      ([key, entry]) => key !== '' && entry.link !== true,
    );
    expect(installed.length).toBeGreaterThan(100);
    expect(installed.filter(([, e]) => e.resolved !== undefined).map(([k]) => k)).toEqual([]);
    expect(installed.filter(([, e]) => !e.integrity?.startsWith('sha512-')).map(([k]) => k)).toEqual([]);
    expect(installed.filter(([, e]) => e.version === undefined).map(([k]) => k)).toEqual([]);
  });

  it('the project .npmrc keeps npm from writing resolved URLs into the lock', () => {
    const npmrc = fs.readFileSync(path.join(repoRoot, '.npmrc'), 'utf8');
    expect(npmrc).toMatch(/^omit-lockfile-registry-resolved=true$/m);
  });
});
