import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateSecretKey, readSecretKeyFile, writeKeyPair } from '../../src/crypto/ed25519-keys.js';
import { cacheKeyName } from '../../src/daemon/cache-listener.js';
import { startDaemonProcess, testConfig } from '../helpers/daemon.js';
import { tempDir } from '../helpers/tmp.js';

describe('key files', () => {
  it('generates the default key once, 0600, and keeps it across restarts', async () => {
    const stateDir = path.join(tempDir(), 'state');
    const first = await startDaemonProcess({ stateDir, config: testConfig('[publish]\nname = "b1"\n') });
    const secret = path.join(stateDir, 'keys', 'b1.secret');
    expect(fs.statSync(secret).mode & 0o777).toBe(0o600);
    const content = fs.readFileSync(secret, 'utf8');
    expect(await first.stop()).toBe(0);
    const second = await startDaemonProcess({ stateDir, config: testConfig('[publish]\nname = "b1"\n') });
    expect(fs.readFileSync(secret, 'utf8')).toBe(content);
    expect(second.output()).not.toMatch(/generated a new key/);
    expect(await second.stop()).toBe(0);
  });

  const withCache = testConfig().replace('[cache]\nlisten = ""', '[cache]\nlisten = "127.0.0.1:0"');

  it('names a generated cache key <hostname>-tally-cache-1, not a bare "cache" that collides in trusted-public-keys', async () => {
    const stateDir = path.join(tempDir(), 'state');
    const daemon = await startDaemonProcess({ stateDir, config: withCache });
    expect(await daemon.stop()).toBe(0);
    const expected = `${os.hostname()}-tally-cache-1`;
    expect(readSecretKeyFile(path.join(stateDir, 'keys', 'cache.secret')).name).toBe(expected);
    expect(fs.readFileSync(path.join(stateDir, 'keys', 'cache.public'), 'utf8')).toMatch(
      new RegExp(`^${expected.replace(/[.+]/g, '\\$&')}:[A-Za-z0-9+/]{43}=\n?$`),
    );
  });

  it('keeps an existing cache key with its old name', async () => {
    const stateDir = path.join(tempDir(), 'state');
    const old = generateSecretKey('cache');
    writeKeyPair(path.join(stateDir, 'keys'), old);
    const daemon = await startDaemonProcess({ stateDir, config: withCache });
    expect(daemon.output()).not.toMatch(/cache\.secret","msg":"generated a new key/);
    expect(await daemon.stop()).toBe(0);
    const kept = readSecretKeyFile(path.join(stateDir, 'keys', 'cache.secret'));
    expect([kept.name, Buffer.from(kept.secretKey).equals(Buffer.from(old.secretKey))]).toEqual([
      'cache',
      true,
    ]);
  });

  it('a host name with characters a key name cannot have still gives a valid key name', () => {
    expect(cacheKeyName('builder-1.example.org')).toBe('builder-1.example.org-tally-cache-1');
    expect(cacheKeyName('my host/é')).toBe('my-host---tally-cache-1');
    expect(cacheKeyName('')).toBe('localhost-tally-cache-1');
    expect(cacheKeyName('x'.repeat(300))).toHaveLength(100 + '-tally-cache-1'.length);
  });

  // A configured key that is missing (a typo, an unmounted volume) must not become a new log
  // identity: followers would see a different log and the old one would silently stop.
  for (const [what, section, fileName] of [
    ['publish.key_file', '[publish]\nname = "b1"\n', 'b1.secret'],
    ['cache.key_file', '', 'cache.secret'],
  ] as const) {
    it(`refuses to start when the configured ${what} is missing, even if named like a default key`, async () => {
      const root = tempDir();
      const stateDir = path.join(root, 'state');
      const missing = path.join(root, 'secrets', fileName);
      const config =
        what === 'cache.key_file'
          ? testConfig().replace(
              '[cache]\nlisten = ""',
              `[cache]\nlisten = "127.0.0.1:0"\nkey_file = "${missing}"`,
            )
          : testConfig(`${section}key_file = "${missing}"\n`);
      expect(config).toContain(`key_file = "${missing}"`);
      await expect(startDaemonProcess({ stateDir, config })).rejects.toThrow(
        new RegExp(`key file ${missing.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} does not exist`),
      );
      expect(fs.existsSync(missing)).toBe(false);
      expect(fs.existsSync(path.dirname(missing))).toBe(false);
    });
  }
});
