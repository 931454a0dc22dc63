import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyFromHashPart } from '../../src/nix/store-path.js';
import { pollUntil } from '../helpers/poll.js';
import { tempDir } from '../helpers/tmp.js';
import { names } from '../follower/cluster.js';
import { logRow } from '../follower/mirror-cluster.js';
import { requireNix, textDerivation } from '../builder/nix-store.js';
import { createChrootNixStore } from './chroot-nix-store.js';
import {
  copyFromProxy,
  startBuilder,
  startClientDaemon,
  type Builder,
  type ClientDaemon,
} from './cluster.js';

/*
 * Deciding offline with mirrors, end to end with a real Nix client: a user's daemon mirrors two
 * builders' logs over their tiles; one builder's log daemon goes offline (its binary cache stays
 * up); its mirrored vote still counts, and `nix copy` still substitutes the path through the proxy.
 */

const TEXT = 'built the same on both builders\n';
const root = tempDir('tally-offline-');
let builders: Builder[];
let storePath: string;
let client: ClientDaemon;
const BOTH = '[[policy]]\nname = "both"\nfile = "builtin:percentage"\n[policy.params]\nthreshold = 100\n';

beforeAll(async () => {
  requireNix();
  builders = await Promise.all([
    startBuilder(root, 'b1', { compression: 'none', flavour: 'honest' }),
    startBuilder(root, 'b2', { compression: 'xz', flavour: 'honest' }),
  ]);
  const built = await Promise.all(
    builders.map(async (b) => {
      const [out] = await b.store.build(textDerivation('offline-agreed', `echo ${TEXT.trim()} > $out`));
      await b.copyToCache([out!]);
      const submitted = await b.store.cli([
        'submit-closure',
        out!,
        '--admin-socket',
        b.publisher.daemon.adminSocket,
        '--json',
      ]);
      expect(submitted.code, submitted.stderr).toBe(0);
      return out!;
    }),
  );
  expect(built[1]).toBe(built[0]);
  storePath = built[0]!;
  client = await startClientDaemon(path.join(root, 'client'), builders, BOTH, '', true);
  for (const b of builders) {
    await pollUntil(`${b.name} mirrored`, async () => {
      const row = await logRow(client.daemon, b.name);
      return row.state === 'healthy' && (row.mirroredSize ?? 0) >= 1;
    });
  }
}, 180_000);

afterAll(async () => {
  await client?.daemon.stop();
  await Promise.all((builders ?? []).map((b) => b.close()));
});

describe('a mirrored log that goes offline', () => {
  it('keeps voting from its mirror, and a real Nix client still substitutes the path', async () => {
    const b1 = builders[0]!;
    await b1.publisher.daemon.stop();
    await pollUntil(
      'b1 to be unreachable',
      async () => (await logRow(client.daemon, 'b1')).state === 'unreachable',
    );

    const key = keyFromHashPart(path.basename(storePath).slice(0, 32));
    const d = await client.admin.decide({ key, bypassCache: true });
    expect(d.decided).toBe(true);
    expect(names(d.agreeing)).toEqual(['b1', 'b2']);
    const b1Vote = d.agreeing.find((v) => v.name === 'b1')!;
    expect(b1Vote.detail).toMatch(/^entry \d+ at size \d+ \(mirrored checkpoint of size \d+, \d+ s old\)$/);

    const store = createChrootNixStore(path.join(root, 'client-store'));
    const copied = await copyFromProxy(store, client, storePath);
    expect(copied.code, copied.stderr).toBe(0);
    expect(await store.isValid(storePath)).toBe(true);
    expect(fs.readFileSync(store.realPath(storePath), 'utf8')).toBe(TEXT);
  }, 120_000);
});
