import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectAdmin } from '../../src/api/client.js';
import { parseCheckpointBody } from '../../src/checkpoint/checkpoint.js';
import { parseNote } from '../../src/crypto/signed-note.js';
import { sha256 } from '../../src/crypto/sha256.js';
import { verifyConsistency } from '../../src/log/index.js';
import { startDaemonProcess, testConfig } from '../helpers/daemon.js';
import { tempDir } from '../helpers/tmp.js';

const entry = (n: number) => ({
  key: sha256(Buffer.from(`restart ${n}`)).subarray(0, 20),
  value: Buffer.from(`v${n}`),
});
const checkpointOf = (note: string) => parseCheckpointBody(parseNote(note).text);

describe('stop and restart', () => {
  it('SIGTERM finishes commits in flight, exits 0, and state, head and entries survive', async () => {
    const stateDir = path.join(tempDir(), 'state');
    const first = await startDaemonProcess({ stateDir, config: testConfig() });
    const admin = first.adminClient();
    await admin.submit({ logId: '', entries: Array.from({ length: 100 }, (_, i) => entry(i)) });
    const oldHead = checkpointOf((await first.publicClient().getHead({ logId: '' })).checkpoint);

    // Submissions racing the stop: each is either acknowledged (and must survive) or refused.
    const acknowledged: number[] = [];
    const racing = Array.from({ length: 20 }, async (_, r) => {
      const client = connectAdmin({ socketPath: first.adminSocket });
      const batch = Array.from({ length: 10 }, (_, i) => entry(1000 + r * 10 + i));
      try {
        await client.submit({ logId: '', entries: batch });
        acknowledged.push(...batch.map((_, i) => 1000 + r * 10 + i));
      } catch {
        // refused during shutdown: not acknowledged, so nothing to check
      } finally {
        client.close();
      }
    });
    await new Promise((r) => setTimeout(r, 5));
    const exit = first.stop();
    await Promise.all(racing);
    expect(await exit).toBe(0);

    const second = await startDaemonProcess({ stateDir, config: testConfig() });
    const client = second.publicClient();
    const newHead = checkpointOf((await client.getHead({ logId: '' })).checkpoint);
    expect(newHead.size).toBeGreaterThanOrEqual(100 + acknowledged.length);
    const { proof } = await client.getConsistencyProof({
      logId: '',
      fromSize: oldHead.size,
      toSize: newHead.size,
    });
    verifyConsistency(oldHead.size, newHead.size, oldHead.logRoot, newHead.logRoot, proof);
    for (const n of [...Array.from({ length: 100 }, (_, i) => i), ...acknowledged]) {
      const found = await client.lookup({ logId: '', key: entry(n).key });
      expect(found.found, `entry ${n}`).toBe(true);
    }
    expect(await second.stop()).toBe(0);
  }, 120_000);

  it('SIGTERM sent the moment the ready line appears stops cleanly, every time', async () => {
    const stateDir = path.join(tempDir(), 'state');
    for (let round = 0; round < 6; round++) {
      const daemon = await startDaemonProcess({ stateDir, config: testConfig() });
      // No request first: the signal races the end of the start.
      expect(await daemon.stop()).toBe(0);
      expect(daemon.output()).toMatch(/"msg":"stopped"/);
    }
  }, 120_000);

  it('refuses a second daemon on the same state directory with a clear error', async () => {
    const stateDir = path.join(tempDir(), 'state');
    const first = await startDaemonProcess({ stateDir, config: testConfig() });
    await expect(startDaemonProcess({ stateDir, config: testConfig() })).rejects.toThrow(
      /in use by another tally daemon/,
    );
    // The first one is unharmed.
    expect((await first.publicClient().getHead({ logId: '' })).checkpoint).toMatch(/^tally\.log\//);
    expect(await first.stop()).toBe(0);
  });

  it('refuses a bad config file at start, naming the key', async () => {
    const stateDir = path.join(tempDir(), 'state');
    await expect(
      startDaemonProcess({ stateDir, config: testConfig('[publish]\nmax_batch_entries = "lots"\n') }),
    ).rejects.toThrow(/publish\.max_batch_entries/);
  });
});
