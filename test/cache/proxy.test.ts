import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCacheApp, type CacheAppOptions } from '../../src/cache/app.js';
import type { CacheDecision, DecisionSource } from '../../src/cache/decision-source.js';
import { formatPublicKey, generateSecretKey, publicKeyOf } from '../../src/crypto/ed25519-keys.js';
import { parseNarinfo } from '../../src/nix/narinfo.js';
import { verifyNarinfoSignatures } from '../../src/nix/narinfo-signature.js';
import { pollUntil } from '../helpers/poll.js';
import { tempDir } from '../helpers/tmp.js';
import { makeRealCache, NIX_OPTIONS, runNixClient, type RealCache } from './real-nix-cache.js';
import { deadUrl, serveDirectory, type StaticServer } from './static-server.js';
import { cacheMetrics, createTallyMetrics } from '../../src/metrics/index.js';
import { sampleValue } from '../metrics/prometheus-text.js';

const silent = pino({ level: process.env.CACHE_TEST_LOG ?? 'silent' });
const proxyKey = generateSecretKey('tally-proxy-test-1');

/** Decisions from a table keyed by hash part; anything else is undecided. */
function decisionsFor(table: Record<string, CacheDecision>): DecisionSource {
  return {
    decide: async (key) => {
      const { hashPartOfKey } = await import('../../src/nix/store-path.js');
      return (
        table[hashPartOfKey(key)] ?? { decided: false, reason: 'no policy reached a quorum (1 of 3 agree)' }
      );
    },
  };
}

async function startProxy(decisions: DecisionSource, options: Partial<CacheAppOptions> = {}) {
  const app = createCacheApp({
    decisions,
    key: proxyKey,
    logger: silent,
    priority: 41,
    upstreamTimeoutMs: 2000,
    ...options,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as { port: number };
  closers.push(() => app.close());
  return `http://127.0.0.1:${port}`;
}

const closers: Array<() => Promise<unknown>> = [];
let dir: string;
let real: RealCache;
const servers: Record<string, string> = {};

beforeAll(async () => {
  dir = tempDir('tally-cache-');
  real = makeRealCache(dir);
  for (const [compression, cacheDir] of Object.entries(real.dirs)) {
    const server = await serveDirectory(cacheDir);
    closers.push(server.close);
    servers[compression] = server.url;
  }
}, 120_000);

afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

const decided = (...upstreams: string[]): CacheDecision => ({ decided: true, value: real.value, upstreams });

/** A copy of a cache dir, changed by `edit`, served on its own port. */
async function servedCopy(from: string, name: string, edit: (copy: string) => void): Promise<string> {
  const copy = path.join(dir, name);
  fs.cpSync(from, copy, { recursive: true });
  edit(copy);
  const server = await serveDirectory(copy);
  closers.push(server.close);
  return server.url;
}

function narFile(cacheDir: string): string {
  const nar = path.join(cacheDir, 'nar');
  return path.join(nar, fs.readdirSync(nar)[0]!);
}

/**
 * With `bad` (then a good xz cache) as the agreeing upstreams, the first NAR download is cut off
 * and the second is served whole: `bad` was set aside.
 */
async function expectCutOffThenServedByAnother(bad: string): Promise<void> {
  const proxy = await startProxy(decisionsFor({ [real.hashPart]: decided(bad, servers.xz!) }));
  const narinfo = parseNarinfo(await (await fetch(`${proxy}/${real.hashPart}.narinfo`)).text());

  const first = await fetch(`${proxy}/${narinfo.url}`);
  expect(first.status).toBe(200);
  await expect(first.arrayBuffer()).rejects.toThrow();

  const second = await fetch(`${proxy}/${narinfo.url}`);
  const bytes = Buffer.from(await second.arrayBuffer());
  expect(bytes.equals(fs.readFileSync(narFile(real.dirs.none)))).toBe(true);
}

/** Asynchronous: the proxy answers from this same process, so its event loop must keep running. */
async function nixCopyFrom(proxy: string, clientStore: string): Promise<void> {
  await runNixClient(
    formatPublicKey(publicKeyOf(proxyKey)),
    ['copy', '--from', proxy, '--to', clientStore, real.storePath],
    { cacheHome: tempDir(), timeoutMs: 60_000 },
  );
}

describe('cache proxy', () => {
  it('serves nix-cache-info with the configured values', async () => {
    const proxy = await startProxy(decisionsFor({}));
    const response = await fetch(`${proxy}/nix-cache-info`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('StoreDir: /nix/store\nWantMassQuery: 1\nPriority: 41\n');
  });

  it('serves a decided narinfo rewritten, uncompressed and signed by the proxy; HEAD answers like GET', async () => {
    const proxy = await startProxy(decisionsFor({ [real.hashPart]: decided(servers.xz!) }));
    const get = await fetch(`${proxy}/${real.hashPart}.narinfo`);
    const head = await fetch(`${proxy}/${real.hashPart}.narinfo`, { method: 'HEAD' });
    const body = await get.text();
    expect(get.status).toBe(200);
    expect(head.status).toBe(200);
    // Connection management headers belong to the transport, not to the answer.
    const headersOf = (r: Response) =>
      [...r.headers].filter(([k]) => !['date', 'keep-alive', 'connection'].includes(k));
    expect(headersOf(head)).toEqual(headersOf(get));
    expect(head.headers.get('content-length')).toBe(String(Buffer.byteLength(body)));

    const narinfo = parseNarinfo(body);
    expect(narinfo.storePath).toBe(real.storePath);
    expect(narinfo.narHash).toBe(real.output.narHash);
    expect(narinfo.compression).toBe('none');
    expect(narinfo.url).toMatch(new RegExp(`^nar/[0-9a-z]{52}\\.nar\\?hash=${real.hashPart}$`));
    expect(narinfo.sigs).toHaveLength(1);
    expect(verifyNarinfoSignatures(narinfo, [publicKeyOf(proxyKey)])).toEqual([proxyKey.name]);
    expect(verifyNarinfoSignatures(narinfo, [publicKeyOf(generateSecretKey(proxyKey.name))])).toEqual([]);
  });

  it('answers 404 with the reason when nothing is decided, 400 for a malformed hash', async () => {
    const proxy = await startProxy(decisionsFor({}));
    const undecided = await fetch(`${proxy}/${real.hashPart}.narinfo`);
    expect(undecided.status).toBe(404);
    expect(undecided.headers.get('x-tally-reason')).toBe('no policy reached a quorum (1 of 3 agree)');
    const headUndecided = await fetch(`${proxy}/${real.hashPart}.narinfo`, { method: 'HEAD' });
    expect(headUndecided.status).toBe(404);
    expect(headUndecided.headers.get('x-tally-reason')).toBe('no policy reached a quorum (1 of 3 agree)');
    for (const bad of ['abc', 'e'.repeat(32), real.hashPart + 'x']) {
      const response = await fetch(`${proxy}/${bad}.narinfo`);
      expect(response.status, bad).toBe(400);
      expect(response.headers.get('x-tally-reason'), bad).toMatch(/store path hash/);
    }
    const badNar = await fetch(`${proxy}/nar/zz.nar?hash=${real.hashPart}`);
    expect(badNar.status).toBe(400);
  });

  it('serves a repeated narinfo from the one it signed, byte for byte, only while the decision stands', async () => {
    const upstream = await serveDirectory(real.dirs.xz);
    closers.push(upstream.close);
    const fetched = upstream.requests;
    const table: Record<string, CacheDecision> = { [real.hashPart]: decided(upstream.url) };
    let decides = 0;
    const counted: DecisionSource = {
      decide: async (key) => {
        decides++;
        return decisionsFor(table).decide(key);
      },
    };
    const proxy = await startProxy(counted);
    const url = `${proxy}/${real.hashPart}.narinfo`;
    const headersOf = (r: Response) =>
      [...r.headers].filter(([k]) => !['date', 'keep-alive', 'connection'].includes(k));

    const first = await fetch(url); // fetched upstream, cross-checked, signed, kept
    const firstBody = await first.text();
    const again = await fetch(url);
    const head = await fetch(url, { method: 'HEAD' });
    const query = await fetch(`${url}?x=1`);
    expect(await again.text()).toBe(firstBody);
    expect(headersOf(again)).toEqual(headersOf(first));
    expect(headersOf(head)).toEqual(headersOf(first));
    expect(await head.text()).toBe('');
    expect(await query.text()).toBe(firstBody);
    expect(fetched).toEqual([`/${real.hashPart}.narinfo`]); // the upstream was asked once
    expect(decides).toBe(4); // every request is decided (the decider caches, not the route)

    // The decision changes: the kept narinfo is not served, the route refuses, deciding once.
    table[real.hashPart] = { decided: false, reason: 'a log changed its answer' };
    decides = 0;
    const refused = await fetch(url);
    expect(refused.status).toBe(404);
    expect(refused.headers.get('x-tally-reason')).toBe('a log changed its answer');
    expect(decides).toBe(1);
    // Decided again with other upstreams: the narinfo is fetched and signed afresh.
    table[real.hashPart] = decided(upstream.url, servers.none!);
    expect((await fetch(url)).status).toBe(200);
    expect(fetched).toEqual([`/${real.hashPart}.narinfo`, `/${real.hashPart}.narinfo`]);
  });

  it('answers 502 when every agreeing upstream is down', async () => {
    const proxy = await startProxy(
      decisionsFor({ [real.hashPart]: decided(await deadUrl(), await deadUrl()) }),
    );
    const response = await fetch(`${proxy}/${real.hashPart}.narinfo`);
    expect(response.status).toBe(502);
    expect(response.headers.get('x-tally-reason')).toMatch(/no agreeing upstream/);
  });

  it('skips an upstream whose narinfo does not match the decided value', async () => {
    const lying = await servedCopy(real.dirs.xz, 'cache-lying', (copy) => {
      const file = path.join(copy, `${real.hashPart}.narinfo`);
      const text = fs.readFileSync(file, 'utf8');
      fs.writeFileSync(file, text.replace(/^NarSize: \d+$/m, `NarSize: ${real.output.narSize + 1}`));
    });
    const proxy = await startProxy(decisionsFor({ [real.hashPart]: decided(lying, servers.none!) }));
    const response = await fetch(`${proxy}/${real.hashPart}.narinfo`);
    expect(response.status).toBe(200);
    expect(parseNarinfo(await response.text()).narSize).toBe(real.output.narSize);

    const onlyLying = await startProxy(decisionsFor({ [real.hashPart]: decided(lying) }));
    const refused = await fetch(`${onlyLying}/${real.hashPart}.narinfo`);
    expect(refused.status).toBe(502);
    expect(refused.headers.get('x-tally-reason')).toMatch(/NarSize/);
  });

  it.each(['xz', 'zstd', 'bzip2', 'none'] as const)(
    'streams a %s NAR decompressed and verified',
    async (c) => {
      const proxy = await startProxy(decisionsFor({ [real.hashPart]: decided(servers[c]!) }));
      const narinfo = parseNarinfo(await (await fetch(`${proxy}/${real.hashPart}.narinfo`)).text());
      const nar = await fetch(`${proxy}/${narinfo.url}`);
      expect(nar.status).toBe(200);
      const bytes = Buffer.from(await nar.arrayBuffer());
      expect(bytes.length).toBe(real.output.narSize);
      expect(bytes.equals(fs.readFileSync(narFile(real.dirs.none)))).toBe(true);
    },
  );

  it('lets real Nix substitute the path from the proxy, trusting only the proxy key', async () => {
    const proxy = await startProxy(decisionsFor({ [real.hashPart]: decided(servers.xz!) }));
    const client = path.join(dir, 'client-plain');
    await nixCopyFrom(proxy, client);
    expect(fs.readFileSync(path.join(client, real.storePath)).equals(real.content)).toBe(true);
  }, 60_000);

  it('aborts a tampered NAR, sets its upstream aside and serves the next request from another', async () => {
    const tampered = await servedCopy(real.dirs.none, 'cache-tampered', (copy) => {
      const file = narFile(copy);
      const bytes = fs.readFileSync(file);
      bytes[bytes.length - 200] = bytes[bytes.length - 200]! ^ 0x01; // inside the file contents: the NAR stays well-formed
      fs.writeFileSync(file, bytes);
    });
    await expectCutOffThenServedByAnother(tampered);
  });

  it('an upstream that breaks a NAR off midway is set aside: the next request gets another', async () => {
    const size = fs.statSync(narFile(real.dirs.none)).size;
    const breaking = await serveDirectory(real.dirs.none, { breakNarsOffAfter: Math.floor(size / 2) });
    closers.push(breaking.close);
    await expectCutOffThenServedByAnother(breaking.url);
  });

  it('real Nix never installs tampered bytes and ends with the right content', async () => {
    const tampered = await servedCopy(real.dirs.none, 'cache-tampered-nix', (copy) => {
      const file = narFile(copy);
      const bytes = fs.readFileSync(file);
      bytes[bytes.length - 200] = bytes[bytes.length - 200]! ^ 0x01; // inside the file contents: the NAR stays well-formed
      fs.writeFileSync(file, bytes);
    });
    const proxy = await startProxy(decisionsFor({ [real.hashPart]: decided(tampered, servers.zstd!) }));
    const client = path.join(dir, 'client-tampered');
    let failures = 0;
    try {
      await nixCopyFrom(proxy, client);
    } catch (e) {
      if (process.env.CACHE_TEST_LOG) console.error(e);
      failures++; // the first download was cut off; the upstream is now set aside
      // Nix may leave a partial file behind, but never registers the path as valid.
      await expect(
        promisify(execFile)('nix', ['path-info', '--store', client, real.storePath, ...NIX_OPTIONS]),
      ).rejects.toThrow(/is not valid/);
      await nixCopyFrom(proxy, client);
    }
    expect(failures).toBeLessThanOrEqual(1);
    expect(fs.readFileSync(path.join(client, real.storePath)).equals(real.content)).toBe(true);
  }, 120_000);
});

describe('cache proxy with a hung upstream', () => {
  /** A fresh server over a cache dir (its own request list), closed after the file. */
  async function serve(cacheDir: string, options: { hanging?: boolean } = {}): Promise<StaticServer> {
    const server = await serveDirectory(cacheDir, options);
    closers.push(server.close);
    return server;
  }
  const narinfoPath = () => `/${real.hashPart}.narinfo`;

  it('costs one timeout: the hung upstream is set aside and the next requests do not ask it', async () => {
    const hung = await serve(real.dirs.xz, { hanging: true });
    const good = await serve(real.dirs.zstd);
    const proxy = await startProxy(decisionsFor({ [real.hashPart]: decided(hung.url, good.url) }), {
      upstreamTimeoutMs: 500,
      upstreamHedgeMs: 0,
      upstreamSetAsideMs: 60_000,
      narinfoTtlMs: 0, // every narinfo request goes to the upstreams
    });
    const first = await fetch(`${proxy}${narinfoPath()}`);
    expect(first.status).toBe(200);
    expect(hung.requests).toEqual([narinfoPath()]);
    const second = await fetch(`${proxy}${narinfoPath()}`);
    expect(second.status).toBe(200);
    const nar = await fetch(`${proxy}/${parseNarinfo(await second.text()).url}`);
    expect(Buffer.from(await nar.arrayBuffer()).equals(fs.readFileSync(narFile(real.dirs.none)))).toBe(true);
    expect(hung.requests).toEqual([narinfoPath()]); // skipped since its timeout
    expect(good.requests.filter((r) => r === narinfoPath())).toHaveLength(3);

    // With only the hung upstream agreeing: an immediate 502 that says why (never a 404, which
    // Nix would cache), and still no request to it.
    const alone = await startProxy(decisionsFor({ [real.hashPart]: decided(hung.url) }), {
      upstreamTimeoutMs: 500,
      upstreamSetAsideMs: 60_000,
    });
    expect((await fetch(`${alone}${narinfoPath()}`)).status).toBe(502);
    expect(hung.requests).toHaveLength(2); // the new proxy's own first timeout
    const refused = await fetch(`${alone}${narinfoPath()}`);
    expect(refused.status).toBe(502);
    expect(refused.headers.get('x-tally-reason')).toMatch(/set aside as unreachable, probed again in \d+ s/);
    expect(hung.requests).toHaveLength(2);
  });

  it('hedges: a slow upstream has the next one asked at once, and is asked after it from then on', async () => {
    const hung = await serve(real.dirs.xz, { hanging: true });
    const good = await serve(real.dirs.zstd);
    const proxy = await startProxy(decisionsFor({ [real.hashPart]: decided(hung.url, good.url) }), {
      upstreamTimeoutMs: 30_000,
      upstreamHedgeMs: 100,
      narinfoTtlMs: 0,
    });
    for (let i = 0; i < 3; i++) expect((await fetch(`${proxy}${narinfoPath()}`)).status).toBe(200);
    // Well before its timeout, only the first request waited for it.
    expect(hung.requests).toEqual([narinfoPath()]);
    expect(good.requests).toEqual([narinfoPath(), narinfoPath(), narinfoPath()]);
  });

  it('the NAR route opens the NAR of the upstream whose narinfo it served, without asking again', async () => {
    const first = await serve(real.dirs.xz);
    const second = await serve(real.dirs.zstd);
    const proxy = await startProxy(decisionsFor({ [real.hashPart]: decided(first.url, second.url) }));
    const narinfo = parseNarinfo(await (await fetch(`${proxy}${narinfoPath()}`)).text());
    const nar = await fetch(`${proxy}/${narinfo.url}`);
    expect(Buffer.from(await nar.arrayBuffer()).length).toBe(real.output.narSize);
    expect(first.requests).toHaveLength(2);
    expect(first.requests[0]).toBe(narinfoPath());
    expect(first.requests[1]).toMatch(/^\/nar\/.*\.nar\.xz$/);
    expect(second.requests).toEqual([]);
  });

  it('an upstream set aside is probed, and asked again only once a probe succeeds', async () => {
    const flaky = await serve(real.dirs.xz, { hanging: true });
    const good = await serve(real.dirs.zstd);
    const proxy = await startProxy(decisionsFor({ [real.hashPart]: decided(flaky.url, good.url) }), {
      upstreamTimeoutMs: 300,
      upstreamHedgeMs: 0,
      upstreamSetAsideMs: 200,
      upstreamSetAsideMaxMs: 400,
      narinfoTtlMs: 0,
    });
    expect((await fetch(`${proxy}${narinfoPath()}`)).status).toBe(200);
    // Probes time out too: requests keep skipping it.
    await pollUntil('the health probe of the hung upstream', () =>
      flaky.requests.includes('/nix-cache-info'),
    );
    expect((await fetch(`${proxy}${narinfoPath()}`)).status).toBe(200);
    expect(flaky.requests.filter((r) => r === narinfoPath())).toHaveLength(1);

    flaky.hang(false);
    const probes = flaky.requests.filter((r) => r === '/nix-cache-info').length;
    await pollUntil(
      'a health probe after the upstream recovered',
      () => flaky.requests.filter((r) => r === '/nix-cache-info').length > probes,
    );
    await new Promise((r) => setTimeout(r, 50)); // the probe's answer reaches the proxy
    expect((await fetch(`${proxy}${narinfoPath()}`)).status).toBe(200);
    expect(flaky.requests.filter((r) => r === narinfoPath())).toHaveLength(2);
  });
});

describe("cache proxy: the operator's view", () => {
  /** A proxy whose log lines are kept (parsed) and whose events go to a fresh metrics registry. */
  async function observedProxy(table: Record<string, CacheDecision>, options: Partial<CacheAppOptions> = {}) {
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const metrics = createTallyMetrics();
    const proxy = await startProxy(decisionsFor(table), {
      logger,
      events: cacheMetrics(metrics),
      ...options,
    });
    const sample = async (name: string, labels: Record<string, string>) =>
      sampleValue(await metrics.registry.metrics(), name, labels);
    return { proxy, lines, sample };
  }

  it('counts a NAR aborted for a hash mismatch and its upstream set aside, and logs both with the store path', async () => {
    const tampered = await servedCopy(real.dirs.none, 'cache-tampered-metrics', (copy) => {
      const file = narFile(copy);
      const bytes = fs.readFileSync(file);
      bytes[bytes.length - 200] = bytes[bytes.length - 200]! ^ 0x01;
      fs.writeFileSync(file, bytes);
    });
    const { proxy, lines, sample } = await observedProxy({ [real.hashPart]: decided(tampered, servers.xz!) });
    expect(await sample('tally_nar_aborts_total', { reason: 'verification_failed' })).toBe(0);
    const narinfo = parseNarinfo(await (await fetch(`${proxy}/${real.hashPart}.narinfo`)).text());
    await expect((await fetch(`${proxy}/${narinfo.url}`)).arrayBuffer()).rejects.toThrow();
    await pollUntil(
      'the verification abort to be counted',
      async () => (await sample('tally_nar_aborts_total', { reason: 'verification_failed' })) === 1,
    );
    expect(await sample('tally_nar_aborts_total', { reason: 'upstream_failed' })).toBe(0);
    expect(await sample('tally_upstream_set_aside_total', { upstream: tampered, cause: 'bad_nar' })).toBe(1);
    expect(await sample('tally_upstreams_set_aside', { cause: 'bad_nar' })).toBe(1);
    expect(await sample('tally_upstreams_set_aside', { cause: 'unreachable' })).toBe(0);
    const aborted = lines.find(
      (l) => l.msg === 'NAR failed verification: transfer aborted, upstream marked bad',
    );
    expect(aborted).toMatchObject({ level: 40, upstream: tampered, storePath: real.storePath });
    expect(String(aborted!.reason)).toMatch(/NarHash|hash/i);
    expect(lines.find((l) => l.msg === 'upstream set aside: tried after the others')).toMatchObject({
      upstream: tampered,
      cause: 'bad_nar',
    });
  });

  it('counts an upstream set aside for a timeout, and logs it', async () => {
    const hung = await serveDirectory(real.dirs.xz, { hanging: true });
    closers.push(hung.close);
    const { proxy, lines, sample } = await observedProxy(
      { [real.hashPart]: decided(hung.url, servers.zstd!) },
      { upstreamTimeoutMs: 300, upstreamHedgeMs: 0, upstreamSetAsideMs: 60_000 },
    );
    expect((await fetch(`${proxy}/${real.hashPart}.narinfo`)).status).toBe(200);
    expect(await sample('tally_upstream_set_aside_total', { upstream: hung.url, cause: 'unreachable' })).toBe(
      1,
    );
    expect(await sample('tally_upstreams_set_aside', { cause: 'unreachable' })).toBe(1);
    const line = lines.find((l) => l.msg === 'upstream set aside: requests skip it until a probe succeeds');
    expect(line).toMatchObject({ level: 40, upstream: hung.url, cause: 'unreachable', forMs: 60_000 });
    expect(String(line!.reason)).toMatch(/no complete answer within 300 ms/);
  });

  it('logs each refusal at info with the path and the reason, at most 20 lines of them per 10 s', async () => {
    const { proxy, lines } = await observedProxy({});
    for (let i = 0; i < 25; i++) expect((await fetch(`${proxy}/${real.hashPart}.narinfo`)).status).toBe(404);
    const refused = lines.filter((l) => l.msg === 'path refused');
    expect(refused).toHaveLength(20);
    expect(refused[0]).toMatchObject({
      level: 30,
      status: 404,
      hashPart: real.hashPart,
      reason: 'no policy reached a quorum (1 of 3 agree)',
    });
  });
});
