import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyFromHashPart } from '../../src/nix/store-path.js';
import { requireNix } from '../builder/nix-store.js';
import { startClientDaemon, type ClientDaemon } from '../e2e/cluster.js';
import { startPublisher, type Publisher } from '../follower/cluster.js';
import { pollUntil } from '../helpers/poll.js';
import { tempDir } from '../helpers/tmp.js';
import { makeRealCache, runNixClient, type RealCache } from './real-nix-cache.js';
import { serveDirectory, type StaticServer } from './static-server.js';

/*
 * The proxy prefers the system's xz, zstd and bzip2 (decompress.ts). A machine without them must
 * still substitute compressed NARs: a real daemon whose PATH holds none of them (an empty
 * directory) serves an xz and a zstd cache to real Nix, through its fallback decoders (pure JS or
 * WebAssembly; Node's own zstd where the runtime has it).
 */

const root = tempDir('tally-no-decoders-');
const emptyPath = path.join(root, 'empty-bin');
const compressions = ['xz', 'zstd'] as const;
/** How `nix copy --to file://` names each format's NAR files. */
const extension = { xz: 'xz', zstd: 'zst' } as const;
let cache: RealCache;
let publisher: Publisher;
const upstreams = {} as Record<(typeof compressions)[number], StaticServer>;
const clients = {} as Record<(typeof compressions)[number], ClientDaemon>;

beforeAll(async () => {
  requireNix();
  fs.mkdirSync(emptyPath);
  cache = makeRealCache(root);
  publisher = await startPublisher(root, 'b1');
  await publisher.daemon
    .adminClient()
    .submit({ logId: '', entries: [{ key: keyFromHashPart(cache.hashPart), value: cache.value }] });
  await Promise.all(
    compressions.map(async (compression) => {
      upstreams[compression] = await serveDirectory(cache.dirs[compression]);
      clients[compression] = await startClientDaemon(
        path.join(root, `client-${compression}`),
        [{ name: 'b1', publisher, cacheUrl: upstreams[compression].url }],
        '[[policy]]\nname = "trust-b1"\nfile = "builtin:name-match"\n[policy.params]\nname = "b1"\n',
        '',
        false,
        { ...process.env, PATH: emptyPath },
      );
    }),
  );
}, 120_000);

afterAll(async () => {
  await Promise.all(Object.values(clients).map((c) => c.daemon.stop()));
  await publisher?.daemon.stop();
  await Promise.all(Object.values(upstreams).map((u) => u.close()));
});

describe('a daemon with no xz, zstd or bzip2 on its PATH', () => {
  for (const compression of compressions) {
    it(`substitutes a ${compression} NAR to real Nix through its fallback decoder`, async () => {
      const client = clients[compression];
      // The follower polls the log every second: wait until the path is decided.
      await pollUntil('the path to be decided', async () => {
        const response = await fetch(`${client.cacheUrl}/${cache.hashPart}.narinfo`);
        return response.status === 200;
      });
      const store = path.join(root, `store-${compression}`);
      await runNixClient(
        client.publicKey,
        ['copy', '--from', client.cacheUrl, '--to', store, cache.storePath],
        {
          cacheHome: path.join(root, `xdg-${compression}`),
          timeoutMs: 60_000,
        },
      );
      expect(fs.readFileSync(path.join(store, cache.storePath))).toEqual(cache.content);
      // The upstream served the compressed NAR, so the daemon did decompress it.
      expect(upstreams[compression].requests).toContainEqual(
        expect.stringMatching(new RegExp(`^/nar/.*\\.nar\\.${extension[compression]}$`)),
      );
    }, 90_000);
  }
});
