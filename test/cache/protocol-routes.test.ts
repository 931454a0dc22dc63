import fs from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCacheApp } from '../../src/cache/app.js';
import type { CacheDecision, DecisionSource } from '../../src/cache/decision-source.js';
import { formatPublicKey, generateSecretKey, publicKeyOf } from '../../src/crypto/ed25519-keys.js';
import { parseNarinfo } from '../../src/nix/narinfo.js';
import { hashPartOfKey } from '../../src/nix/store-path.js';
import { tempDir } from '../helpers/tmp.js';
import { makeRealCache, nix, runNixClient, type RealCache } from './real-nix-cache.js';
import { serveDirectory, type StaticServer } from './static-server.js';

/*
 * The rest of the binary cache protocol, through the proxy, with Debian's Nix on both sides: the
 * upstream caches are written by `nix copy`, and the clients are `nix store ls`, `nix log` and
 * `nix copy`. Every route answers only for decided paths.
 */

const silent = pino({ level: process.env.CACHE_TEST_LOG ?? 'silent' });
const proxyKey = generateSecretKey('tally-protocol-test-1');
/** `nix ARGS` as a client of the proxies here, which sign with `proxyKey`. */
const nixClient = (args: string[]) =>
  runNixClient(formatPublicKey(publicKeyOf(proxyKey)), args, { cacheHome: tempDir(), timeoutMs: 60_000 });

const closers: Array<() => Promise<unknown>> = [];
let dir: string;
let real: RealCache;
/** The xz cache of `real`, with the listing Nix writes (write-nar-listing) and a build log. */
let listed: { dir: string; server: StaticServer; deriver: string; log: string };
/** Decisions by hash part; what is not in it is undecided. Tests change it. */
const table: Record<string, CacheDecision> = {};
const decisions: DecisionSource = {
  decide: async (key) =>
    table[hashPartOfKey(key)] ?? { decided: false, reason: 'no policy reached a quorum' },
};

/** A proxy on a free port; `rangeHeaders` records the Range header of every request it gets. */
async function startProxy(): Promise<{ url: string; rangeHeaders: Array<string | undefined> }> {
  const app = createCacheApp({ decisions, key: proxyKey, logger: silent, upstreamTimeoutMs: 5000 });
  const rangeHeaders: Array<string | undefined> = [];
  app.addHook('onRequest', (request, _reply, done) => {
    rangeHeaders.push(request.headers.range);
    done();
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  closers.push(() => app.close());
  return { url: `http://127.0.0.1:${(app.server.address() as { port: number }).port}`, rangeHeaders };
}

function decide(...upstreams: string[]): void {
  table[real.hashPart] = { decided: true, value: real.value, upstreams };
}

function narFile(cacheDir: string): string {
  const nar = path.join(cacheDir, 'nar');
  return path.join(nar, fs.readdirSync(nar)[0]!);
}

beforeAll(async () => {
  dir = tempDir('tally-protocol-');
  real = makeRealCache(dir);
  const listedDir = path.join(dir, 'cache-listed');
  nix(['copy', '--to', `file://${listedDir}?compression=xz&write-nar-listing=true`, real.storePath]);
  const narinfo = parseNarinfo(fs.readFileSync(path.join(listedDir, `${real.hashPart}.narinfo`), 'utf8'));
  const deriver = narinfo.deriver!;
  const log = `building '/nix/store/${deriver}'...\ntally cache line 0\n`;
  fs.mkdirSync(path.join(listedDir, 'log'), { recursive: true });
  fs.writeFileSync(path.join(listedDir, 'log', deriver), log);
  const server = await serveDirectory(listedDir);
  closers.push(server.close);
  listed = { dir: listedDir, server, deriver, log };
}, 120_000);

afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

describe('/<hash>.ls: the NAR listing', () => {
  it('is built from the verified NAR, byte for byte the listing Nix writes, never the upstream’s own', async () => {
    decide(listed.server.url);
    const proxy = await startProxy();
    const response = await fetch(`${proxy.url}/${real.hashPart}.ls`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const nixWrote = fs.readFileSync(path.join(listed.dir, `${real.hashPart}.ls`), 'utf8');
    expect(await response.text()).toBe(nixWrote);
    expect(listed.server.requests.some((p) => p.startsWith('/nar/'))).toBe(true);
    expect(listed.server.requests.filter((p) => p.endsWith('.ls'))).toEqual([]);
  });

  it('is what `nix store ls` reads: the same answer as from the local store, plus narOffset', async () => {
    decide(listed.server.url);
    const proxy = await startProxy();
    const { stdout: remote } = await nixClient([
      'store',
      'ls',
      '--store',
      proxy.url,
      '--json',
      '-R',
      real.storePath,
    ]);
    const local = nix(['store', 'ls', '--json', '-R', real.storePath]);
    // Nix read the proxy's listing (it carries narOffset, which Nix's own local listing omits).
    const served = JSON.parse(await (await fetch(`${proxy.url}/${real.hashPart}.ls`)).text()) as {
      root: { narOffset: number };
    };
    expect(JSON.parse(remote)).toEqual(served.root);
    expect(served.root.narOffset).toBeGreaterThan(0);
    expect(JSON.parse(remote)).toEqual({ ...JSON.parse(local), narOffset: served.root.narOffset });
  }, 60_000);

  it('a NAR that fails verification gives no listing (502), and sets its upstream aside', async () => {
    const tamperedDir = path.join(dir, 'cache-ls-tampered');
    fs.cpSync(real.dirs.none, tamperedDir, { recursive: true });
    const file = narFile(tamperedDir);
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 200] = bytes[bytes.length - 200]! ^ 0x01;
    fs.writeFileSync(file, bytes);
    const tampered = await serveDirectory(tamperedDir);
    closers.push(tampered.close);
    decide(tampered.url, listed.server.url);
    const proxy = await startProxy();
    const first = await fetch(`${proxy.url}/${real.hashPart}.ls`);
    expect(first.status).toBe(502);
    expect(await first.text()).toMatch(/NarHash/);
    const second = await fetch(`${proxy.url}/${real.hashPart}.ls`);
    expect(second.status).toBe(200);
    expect(JSON.parse(await second.text())).toMatchObject({ version: 1, root: { type: 'regular' } });
  });
});

describe('/log/<drv>: build logs', () => {
  it('`nix log` gets the log of an agreeing upstream for a decided output', async () => {
    decide(listed.server.url);
    const proxy = await startProxy();
    const { stdout } = await nixClient(['log', '--store', proxy.url, real.storePath]);
    expect(stdout).toBe(listed.log);
    expect(listed.server.requests).toContain(`/log/${listed.deriver}`);
  }, 60_000);

  it('a log no agreeing upstream has is 404 with the reason', async () => {
    const withoutLogs = await serveDirectory(real.dirs.xz);
    closers.push(withoutLogs.close);
    decide(withoutLogs.url);
    const proxy = await startProxy();
    expect((await fetch(`${proxy.url}/${real.hashPart}.narinfo`)).status).toBe(200);
    const response = await fetch(`${proxy.url}/log/${listed.deriver}`);
    expect(response.status).toBe(404);
    expect(response.headers.get('x-tally-reason')).toMatch(/no agreeing upstream has a build log/);
  });
});

describe('range requests on NARs', () => {
  it('are answered with the whole verified NAR (200), and no Accept-Ranges is ever offered', async () => {
    decide(listed.server.url);
    const proxy = await startProxy();
    const narinfo = parseNarinfo(await (await fetch(`${proxy.url}/${real.hashPart}.narinfo`)).text());
    const response = await fetch(`${proxy.url}/${narinfo.url}`, { headers: { range: 'bytes=100-' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('accept-ranges')).toBeNull();
    expect(response.headers.get('content-range')).toBeNull();
    const body = Buffer.from(await response.arrayBuffer());
    expect(body.equals(fs.readFileSync(narFile(real.dirs.none)))).toBe(true);
  });

  it('real Nix, cut off midway, does not resume from an offset: it starts over and gets the whole NAR', async () => {
    const size = fs.statSync(narFile(real.dirs.none)).size;
    const breaking = await serveDirectory(real.dirs.none, { breakNarsOffAfter: Math.floor(size / 2) });
    closers.push(breaking.close);
    decide(breaking.url, listed.server.url);
    const proxy = await startProxy();
    const client = path.join(dir, 'client-range');
    const copy = () => nixClient(['copy', '--from', proxy.url, '--to', client, real.storePath]);
    // The first transfer is cut off (its upstream then set aside); Nix may fail that run.
    await copy().catch(() => copy());
    expect(fs.readFileSync(path.join(client, real.storePath)).equals(real.content)).toBe(true);
    expect(breaking.requests.some((p) => p.startsWith('/nar/'))).toBe(true);
    expect(proxy.rangeHeaders.filter((h) => h !== undefined)).toEqual([]);
  }, 120_000);
});

describe('every new route answers only for decided paths', () => {
  it('undecided: .ls and /log are 404 with the reason, and no upstream is asked', async () => {
    delete table[real.hashPart];
    const proxy = await startProxy();
    const before = listed.server.requests.length;
    const ls = await fetch(`${proxy.url}/${real.hashPart}.ls`);
    expect(ls.status).toBe(404);
    expect(ls.headers.get('x-tally-reason')).toBe('no policy reached a quorum');
    const log = await fetch(`${proxy.url}/log/${listed.deriver}`);
    expect(log.status).toBe(404);
    expect(listed.server.requests.length).toBe(before);
  });

  it('a log is refused once its output is no longer decided, though its narinfo was served before', async () => {
    decide(listed.server.url);
    const proxy = await startProxy();
    expect((await fetch(`${proxy.url}/${real.hashPart}.narinfo`)).status).toBe(200);
    expect((await fetch(`${proxy.url}/log/${listed.deriver}`)).status).toBe(200);
    delete table[real.hashPart];
    const response = await fetch(`${proxy.url}/log/${listed.deriver}`);
    expect(response.status).toBe(404);
    expect(response.headers.get('x-tally-reason')).toMatch(/no policy reached a quorum/);
  });

  it('malformed names are 400: a bad hash for .ls, a name that is no derivation for /log', async () => {
    const proxy = await startProxy();
    expect((await fetch(`${proxy.url}/not-a-hash.ls`)).status).toBe(400);
    expect((await fetch(`${proxy.url}/log/${real.hashPart}-tally-cache-test`)).status).toBe(400);
    expect((await fetch(`${proxy.url}/log/not-a-hash.drv`)).status).toBe(400);
  });
});
