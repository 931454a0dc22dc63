/**
 * The client side of `npm run bench:api`, run as its own process so client CPU is not charged to
 * the daemon: N concurrent clients submit, then look up with full proofs.
 * Usage: node dist/bench/api-load.js API ADMIN_SOCKET [--clients 64] [--entries 200000] [--lookups 100000]
 */
import { parseArgs } from 'node:util';
import { connectAdmin, connectPublic } from '../src/api/client.js';
import { createProgress } from '../src/cli/progress.js';
import { sha256 } from '../src/crypto/sha256.js';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    clients: { type: 'string', default: '64' },
    entries: { type: 'string', default: '200000' },
    batch: { type: 'string', default: '50' },
    lookups: { type: 'string', default: '100000' },
  },
});
const [api, adminSocket] = positionals;
if (!api || !adminSocket) throw new Error('usage: api-load API ADMIN_SOCKET');
const clients = Number(values.clients);
const total = Number(values.entries);
const batch = Number(values.batch);
const lookups = Number(values.lookups);
const keyOf = (n: number) => sha256(Buffer.from(`api bench ${n}`)).subarray(0, 20);

// Bars on stderr when it is a terminal (not in CI).
const submitting = createProgress('submitting', total);
let next = 0;
let t = performance.now();
await Promise.all(
  Array.from({ length: clients }, async () => {
    const admin = connectAdmin({ socketPath: adminSocket }, { deadlineMs: 120_000 });
    while (next < total) {
      const start = next;
      next += batch;
      const entries = Array.from({ length: Math.min(batch, total - start) }, (_, i) => ({
        key: keyOf(start + i),
        value: Buffer.from(`value ${start + i} `.padEnd(200, '.')),
      }));
      await admin.submit({ logId: '', entries });
      submitting.update(Math.min(next, total));
    }
    admin.close();
  }),
);
submitting.finish();
const submitSeconds = (performance.now() - t) / 1000;
console.log(
  JSON.stringify({
    what: 'submit',
    clients,
    entriesPerRequest: batch,
    entries: total,
    entriesPerSec: Math.round(total / submitSeconds),
  }),
);

const looking = createProgress('looking up', lookups);
let done = 0;
t = performance.now();
await Promise.all(
  Array.from({ length: clients }, async () => {
    const client = connectPublic(api, { deadlineMs: 120_000 });
    while (done < lookups) {
      const n = done++;
      const response = await client.lookup({ logId: '', key: keyOf((n * 7919) % total) });
      if (!response.found) throw new Error(`entry ${n} missing`);
      looking.update(done);
    }
    client.close();
  }),
);
looking.finish();
const lookupSeconds = (performance.now() - t) / 1000;
console.log(
  JSON.stringify({
    what: 'lookup (map proof + inclusion proof + value)',
    clients,
    lookups,
    perSec: Math.round(lookups / lookupSeconds),
  }),
);
