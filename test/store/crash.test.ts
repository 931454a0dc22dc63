import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateSecretKey, publicKeyOf, writeKeyPair } from '../../src/crypto/ed25519-keys.js';
import { verifyCheckpoint } from '../../src/checkpoint/checkpoint.js';
import { appendLeaves, encodeLeaf, hashLeaf, rootOfFrontier } from '../../src/log/index.js';
import { LogStore } from '../../src/store/log-store.js';
import { crashEntry } from '../fixtures/crash-entries.js';
import { distDir, tempDir } from '../helpers/tmp.js';

const KILLS = 20;
const appender = path.join(distDir, 'test/fixtures/crash-appender.js');

/** Runs the appender until it has acknowledged at least one batch, then SIGKILLs it after a random delay. */
function runAndKill(dir: string, keyFile: string, origin: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [appender, dir, keyFile, origin], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let lastAck = -1;
    let stdout = '';
    let stderr = '';
    let armed = false;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const lines = stdout.split('\n');
      stdout = lines.pop() ?? '';
      for (const line of lines) {
        const m = /^ack (\d+)$/.exec(line);
        if (m) lastAck = Number(m[1]);
      }
      if (!armed && lastAck >= 0) {
        armed = true;
        setTimeout(() => child.kill('SIGKILL'), Math.random() * 150);
      }
    });
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(lastAck);
      else reject(new Error(`appender exited on its own (code ${code}): ${stderr}`));
    });
  });
}

describe('crash safety', () => {
  it(`survives ${KILLS} SIGKILLs without losing acknowledged batches or corrupting the head`, async () => {
    const dir = tempDir();
    const key = generateSecretKey('crash-test');
    const { secretPath } = writeKeyPair(path.join(dir, 'keys'), key);
    const origin = 'tally.test/crash';
    const storeDir = path.join(dir, 'log');
    let acknowledged = 0;
    for (let round = 0; round < KILLS; round++) {
      const lastAck = await runAndKill(storeDir, secretPath, origin);
      acknowledged = Math.max(acknowledged, lastAck);

      // Reopening verifies the head's signature and that the stored frontier reproduces its root.
      const store = await LogStore.open(storeDir, { key, origin });
      try {
        const head = store.getHead();
        const checkpoint = verifyCheckpoint(head.note, publicKeyOf(key), origin);
        expect(checkpoint.size).toBe(store.size);
        expect(store.size).toBeGreaterThanOrEqual(acknowledged);

        // Recompute the root from every stored leaf, independently of the stored tree nodes.
        const entries = [];
        for (let start = 0; start < store.size; start += 5000) {
          entries.push(...(await store.getEntries(start, Math.min(start + 5000, store.size))));
        }
        expect(entries.length).toBe(store.size);
        const leafHashes = entries.map((e) => hashLeaf(encodeLeaf(e.key, e.valueDigest)));
        const { frontier } = appendLeaves({ size: 0, hashes: [] }, leafHashes);
        expect(rootOfFrontier(frontier).equals(checkpoint.logRoot)).toBe(true);

        // Every entry is exactly what the appender wrote at that index (so acknowledged ones are there).
        entries.forEach((e, i) => {
          const expected = crashEntry(i);
          expect(e.index).toBe(i);
          expect(e.key.equals(expected.key)).toBe(true);
        });
        // The map agrees with the log for a sample of keys.
        for (const i of [0, Math.floor(store.size / 2), store.size - 1]) {
          const found = await store.lookup(crashEntry(i).key);
          expect(found.entry?.index).toBe(i);
          expect(found.value?.equals(crashEntry(i).value)).toBe(true);
        }
      } finally {
        await store.close();
      }
    }
    expect(acknowledged).toBeGreaterThan(0);
  }, 180_000);
});
