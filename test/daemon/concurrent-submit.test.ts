import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectAdmin } from '../../src/api/client.js';
import { SubmitStatus } from '../../src/api/gen/tally/v1/admin.js';
import { lookupAnswerFromResponse } from '../../src/api/lookup-answer.js';
import { parsePublicKey } from '../../src/crypto/ed25519-keys.js';
import { sha256 } from '../../src/crypto/sha256.js';
import { verifyLookupChain } from '../../src/verify/lookup-chain.js';
import { startDaemonProcess, testConfig } from '../helpers/daemon.js';
import { tempDir } from '../helpers/tmp.js';

const CLIENTS = 16;
const TOTAL = 20_000;
const entry = (n: number) => ({
  key: sha256(Buffer.from(`entry ${n}`)).subarray(0, 20),
  value: Buffer.from(`value of ${n}`),
});

describe('group commit under concurrency', () => {
  it(`${CLIENTS} concurrent clients submit ${TOTAL} entries; every one then looks up with a verifying chain`, async () => {
    const daemon = await startDaemonProcess({
      stateDir: path.join(tempDir(), 'state'),
      config: testConfig(),
    });
    const perClient = TOTAL / CLIENTS;
    const indices = new Map<number, number>();
    /** The signed checkpoint each request was answered with: one per committed batch. */
    const checkpoints: string[] = [];
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, c) => {
        // Separate channels, as separate submitters would have.
        const admin = connectAdmin({ socketPath: daemon.adminSocket });
        let n = c * perClient;
        const end = n + perClient;
        while (n < end) {
          const size = Math.min(end - n, 1 + Math.floor(Math.random() * 100));
          const batch = Array.from({ length: size }, (_, i) => entry(n + i));
          const { results, checkpoint } = await admin.submit({ logId: '', entries: batch });
          checkpoints.push(checkpoint);
          results.forEach((r, i) => {
            expect(r.status).toBe(SubmitStatus.APPENDED);
            indices.set(n + i, r.index);
          });
          n += size;
        }
        admin.close();
      }),
    );
    // Every acknowledged entry got a distinct index in [0, TOTAL).
    expect(new Set(indices.values()).size).toBe(TOTAL);
    expect(Math.max(...indices.values())).toBe(TOTAL - 1);
    // Requests shared batches: a publisher committing each request on its own would sign one
    // checkpoint per request. With 16 clients each waiting on its own request, a batch gathers
    // what queued while the previous one committed; a quarter of that is a lenient floor.
    const requests = checkpoints.length;
    const batches = new Set(checkpoints).size;
    expect(requests).toBeGreaterThan(TOTAL / 100);
    expect(batches * 4).toBeLessThanOrEqual(requests);

    const client = daemon.publicClient();
    const [info] = (await client.listLogs({})).logs;
    const logKey = parsePublicKey(info!.publicKey);
    let verified = 0;
    const workers = Array.from({ length: 16 }, async (_, w) => {
      for (let n = w; n < TOTAL; n += 16) {
        const e = entry(n);
        const response = await client.lookup({ logId: info!.logId, key: e.key });
        const result = verifyLookupChain(lookupAnswerFromResponse(response), e.key, logKey, info!.origin);
        if (!result.present) throw new Error(`entry ${n} is missing`);
        expect(result.index).toBe(indices.get(n));
        expect(result.value?.equals(e.value)).toBe(true);
        verified++;
      }
    });
    await Promise.all(workers);
    expect(verified).toBe(TOTAL);
    expect(await daemon.stop()).toBe(0);
  }, 240_000);
});
