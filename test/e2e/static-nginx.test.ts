// A daemon's [publish.static] copy served by nginx (Debian's nginx-light, a real process, with
// docs/nginx-tally-log.conf): at every checkpoint size a client reading through nginx gets the
// same resources, byte for byte and with the same headers, as one reading from the daemon, and
// TiledLogVerifier over HTTP verifies the same log through either, consistent with every earlier
// checkpoint.
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpLogSource } from '../../src/api/http-log-source.js';
import { verifyCheckpoint } from '../../src/checkpoint/checkpoint.js';
import { parsePublicKey, type PublicKey } from '../../src/crypto/ed25519-keys.js';
import { sha256 } from '../../src/crypto/sha256.js';
import { TiledLogVerifier, type SignedTree } from '../../src/verify/tiled-log.js';
import { startDaemonProcess, testConfig, type DaemonProcess } from '../helpers/daemon.js';
import { startNginx, type NginxProcess } from '../helpers/nginx.js';
import { expectedStaticFiles } from '../helpers/static-files.js';
import { pollUntil } from '../helpers/poll.js';
import { repoRoot, tempDir } from '../helpers/tmp.js';

const entry = (n: number) => ({
  key: sha256(Buffer.from(`nginx ${n}`)).subarray(0, 20),
  value: Buffer.from(`nginx value ${n} `.repeat(1 + (n % 7))),
});
const entries = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => entry(from + i));

/** A GET asking for gzip, as a CDN or browser would; the body decoded. */
function get(url: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const raw = Buffer.concat(chunks);
          const body = res.headers['content-encoding'] === 'gzip' ? zlib.gunzipSync(raw) : raw;
          resolve({ status: res.statusCode!, headers: res.headers, body });
        });
      })
      .on('error', reject);
  });
}

/** Verifies the whole log through `source`: root, every entry and value, consistency with `older`. */
async function verifiedLog(source: HttpLogSource, key: PublicKey, older: SignedTree[]) {
  const checkpoint = verifyCheckpoint(Buffer.from(await source.get({ kind: 'checkpoint' })), key);
  const tree = { size: checkpoint.size, root: checkpoint.logRoot };
  const verifier = new TiledLogVerifier(tree, source);
  await verifier.verifyRoot();
  for (const old of older) await verifier.verifyConsistencyWith(old);
  const log: { key: string; value: string }[] = [];
  for (let i = 0; i < tree.size; i++) {
    const verified = await verifier.entry(i);
    log.push({ key: verified.key.toString('hex'), value: (await verifier.value(i)).toString() });
  }
  return { tree, log };
}

describe('a static copy served by nginx', () => {
  let daemon: DaemonProcess;
  let nginx: NginxProcess;
  let publicKey: PublicKey;
  let prefix: string;

  beforeAll(async () => {
    const dir = path.join(tempDir(), 'www');
    const config = testConfig(`[publish.static]\ndir = ${JSON.stringify(dir)}\n`);
    daemon = await startDaemonProcess({ stateDir: path.join(tempDir(), 'state'), config });
    const [info] = (await daemon.publicClient().listLogs({})).logs;
    publicKey = parsePublicKey(info!.publicKey);
    prefix = `/logs/${info!.logId}/`;
    nginx = await startNginx(dir, `include ${path.join(repoRoot, 'docs/nginx-tally-log.conf')};`);
  });
  afterAll(async () => {
    await nginx?.stop();
    expect(await daemon?.stop()).toBe(0);
  });

  it('serves the same log as the daemon at every checkpoint size, and it verifies', async () => {
    const fromDaemon = new HttpLogSource(`http://${daemon.http}${prefix}`);
    const fromNginx = new HttpLogSource(`${nginx.url}${prefix}`);
    const sizes = [0];
    const trees: SignedTree[] = [];
    try {
      for (const count of [0, 1, 255, 1, 300, 2, 513]) {
        if (count > 0) {
          const size = sizes.at(-1)!;
          await daemon.adminClient().submit({ logId: '', entries: entries(size, size + count) });
          sizes.push(size + count);
        }
        const note = (await get(`http://${daemon.http}${prefix}checkpoint`)).body.toString();
        await pollUntil(
          `nginx to serve the checkpoint at size ${sizes.at(-1)}`,
          async () => (await get(`${nginx.url}${prefix}checkpoint`)).body.toString() === note,
          { intervalMs: 20 },
        );
        // Every resource of every size signed so far: the same bytes and headers from both.
        for (const file of expectedStaticFiles(entries(0, sizes.at(-1)!), sizes, note).keys()) {
          const [mine, theirs] = await Promise.all([
            get(`http://${daemon.http}${prefix}${file}`),
            get(`${nginx.url}${prefix}${file}`),
          ]);
          expect([mine.status, theirs.status], file).toEqual([200, 200]);
          expect(theirs.body.equals(mine.body), file).toBe(true);
          for (const header of ['content-type', 'cache-control', 'content-encoding'])
            expect(theirs.headers[header], `${file} ${header}`).toBe(mine.headers[header]);
        }
        const viaNginx = await verifiedLog(fromNginx, publicKey, trees);
        const viaDaemon = await verifiedLog(fromDaemon, publicKey, trees);
        expect(viaNginx).toEqual(viaDaemon);
        expect(viaNginx.tree.size).toBe(sizes.at(-1));
        expect(viaNginx.log.map((e) => e.value)).toEqual(
          entries(0, sizes.at(-1)!).map((e) => e.value.toString()),
        );
        trees.push(viaNginx.tree);
      }
    } finally {
      fromDaemon.close();
      fromNginx.close();
    }
    // Bundles are gzipped for clients that ask, as the daemon does.
    expect((await get(`${nginx.url}${prefix}tile/entries/000`)).headers['content-encoding']).toBe('gzip');
  }, 120_000);

  it('serves nothing but the log: temp files, other paths and unknown logs are 404', async () => {
    for (const url of [`${prefix}checkpoint.tmp`, `${prefix}tile/0/000.tmp`, '/', '/logs/', `${prefix}../`]) {
      expect((await get(`${nginx.url}${url}`)).status, url).toBe(404);
    }
  });
});
