import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logIdOf } from '../../src/checkpoint/log-id.js';
import { formatPublicKey, generateSecretKey, publicKeyOf } from '../../src/crypto/ed25519-keys.js';
import { encodeNixBase32 } from '../../src/crypto/nix-base32.js';
import { FollowerStore } from '../../src/follower/follower-store.js';
import { writeSpoolFile } from '../../src/builder/spool-writer.js';
import { spoolDirOf } from '../../src/config/state-paths.js';
import { startDaemonProcess, type DaemonProcess } from '../helpers/daemon.js';
import { pollUntil } from '../helpers/poll.js';
import {
  followerConfig,
  keyOf,
  publish,
  testCluster,
  type FollowEntry,
  type Publisher,
} from '../follower/cluster.js';
import { sampleValue } from './prometheus-text.js';

/**
 * A following daemon with the cache proxy and a separate metrics address, following two healthy
 * publishers and one log already proven compromised, deciding with a chain whose first policy
 * always fails: every metric of docs/observability.md, read over HTTP from the real daemon.
 */
describe('metrics and health of a running daemon', () => {
  const cluster = testCluster('tally-observability-');
  const root = cluster.root;
  const followerState = path.join(root, 'follower');
  let pubs: Publisher[];
  let follower: DaemonProcess;
  let cacheUrl: string;
  let metricsUrl: string;

  beforeAll(async () => {
    pubs = await Promise.all(['a', 'b'].map((name) => cluster.publisher(name)));
    await Promise.all(pubs.map((p) => publish(p, 'same', 'output same')));
    await publish(pubs[0]!, 'only-a', 'output only a');

    // A third log with fork evidence already stored: the follower restores it as compromised.
    const forked = publicKeyOf(generateSecretKey('c'));
    const store = await FollowerStore.open(path.join(followerState, 'follower'));
    await store.addEvidence({
      logId: logIdOf(forked),
      kind: 'fork',
      detectedAtUnix: Math.floor(Date.now() / 1000),
      oldCheckpoint: '',
      newCheckpoint: '',
      detail: 'stored by the test',
    });
    await store.close();
    const follows: FollowEntry[] = [
      ...pubs,
      { name: 'c', publicKey: formatPublicKey(forked), address: '127.0.0.1:1' },
    ];

    const failingPolicy = path.join(root, 'fails.lua');
    fs.writeFileSync(
      failingPolicy,
      'return function(votes) if #votes > 0 then error("always fails") end return nil, "no votes" end\n',
    );
    const policies =
      `[[policy]]\nname = "fails"\nfile = ${JSON.stringify(failingPolicy)}\n` +
      `[[policy]]\nname = "two-thirds"\nfile = "builtin:percentage"\n[policy.params]\nthreshold = 66\n`;
    const config = followerConfig(follows, policies)
      .replace('[cache]\nlisten = ""', '[cache]\nlisten = "127.0.0.1:0"\nmetrics_listen = "127.0.0.1:0"')
      .replace('cache_ttl_seconds = 0', 'cache_ttl_seconds = 300');
    follower = await startDaemonProcess({ stateDir: followerState, config });
    cacheUrl = `http://${follower.cache}`;
    metricsUrl = `http://${follower.metrics}`;
  }, 60_000);
  afterAll(async () => {
    await follower?.stop();
  });

  const scrape = async (base = cacheUrl) => {
    const response = await fetch(`${base}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return response.text();
  };
  const narinfoUrl = (label: string) => `${cacheUrl}/${encodeNixBase32(keyOf(label))}.narinfo`;

  it('/healthz is 200 ready on the cache port and on the metrics address', async () => {
    for (const base of [cacheUrl, metricsUrl]) {
      const response = await fetch(`${base}/healthz`);
      expect([response.status, await response.json()]).toEqual([200, { status: 'ready' }]);
    }
  });

  it('exposes the NAR abort and set-aside metrics from the start', async () => {
    const text = await scrape();
    for (const reason of ['verification_failed', 'upstream_failed', 'client_gone']) {
      expect(sampleValue(text, 'tally_nar_aborts_total', { reason }), reason).toBe(0);
    }
    for (const cause of ['bad_nar', 'unreachable']) {
      expect(sampleValue(text, 'tally_upstreams_set_aside', { cause }), cause).toBe(0);
    }
  });

  it('counts cache requests by method, route pattern and status, and times them', async () => {
    const before = await scrape();
    expect((await fetch(`${cacheUrl}/nix-cache-info`)).status).toBe(200);
    expect((await fetch(narinfoUrl('no log has this'))).status).toBe(404);
    expect((await fetch(narinfoUrl('nor this'), { method: 'HEAD' })).status).toBe(404);
    expect((await fetch(`${cacheUrl}/no/such/route`)).status).toBe(404);
    const after = await scrape();

    const moved = (name: string, labels: Record<string, string>) =>
      (sampleValue(after, name, labels) ?? 0) - (sampleValue(before, name, labels) ?? 0);
    const requests = 'tally_http_requests_total';
    expect(moved(requests, { method: 'GET', route: '/nix-cache-info', status: '200' })).toBe(1);
    expect(moved(requests, { method: 'GET', route: '/:file', status: '404' })).toBe(1);
    expect(moved(requests, { method: 'HEAD', route: '/:file', status: '404' })).toBe(1);
    expect(moved(requests, { method: 'GET', route: 'unmatched', status: '404' })).toBe(1);
    expect(moved(requests, { method: 'GET', route: '/metrics', status: '200' })).toBe(1); // the first scrape
    const timed = 'tally_http_request_duration_seconds_count';
    expect(moved(timed, { method: 'GET', route: '/:file' })).toBe(1);
    expect(moved(timed, { method: 'GET', route: '/nix-cache-info' })).toBe(1);
    expect(
      moved('tally_http_request_duration_seconds_sum', { method: 'GET', route: '/:file' }),
    ).toBeGreaterThan(0);
  });

  it('counts decisions by outcome and source, and the failures of a policy in the chain', async () => {
    const before = await scrape();
    const admin = follower.adminClient();
    // Decided 2 of 2 (c is compromised and does not vote), then the same again from the cache.
    expect((await admin.decide({ key: keyOf('same'), bypassCache: false })).decided).toBe(true);
    expect((await admin.decide({ key: keyOf('same'), bypassCache: false })).decided).toBe(true);
    // 1 of 2 is below two thirds; the cache proxy's request is a decision too.
    expect((await admin.decide({ key: keyOf('only-a'), bypassCache: false })).decided).toBe(false);
    expect((await fetch(narinfoUrl('decided by nobody'))).status).toBe(404);
    const after = await scrape();

    const moved = (name: string, labels: Record<string, string>) =>
      (sampleValue(after, name, labels) ?? 0) - (sampleValue(before, name, labels) ?? 0);
    const decisions = (outcome: string, source: string) =>
      moved('tally_decisions_total', { outcome, source });
    expect(decisions('decided', 'fresh')).toBe(1);
    expect(decisions('decided', 'cached')).toBe(1);
    expect(decisions('undecided', 'fresh')).toBe(2);
    expect(decisions('undecided', 'cached')).toBe(0);
    // Three fresh evaluations of the chain, each starting with the failing policy.
    expect(moved('tally_policy_errors_total', { policy: 'fails', kind: 'error' })).toBe(3);
    expect(moved('tally_policy_errors_total', { policy: 'two-thirds', kind: 'error' })).toBe(0);
  });

  it('reports each followed log: head size, head age and compromised', async () => {
    const text = await pollUntil('both logs followed to their heads', async () => {
      const t = await scrape(metricsUrl);
      const sizes = ['a', 'b'].map((log) => sampleValue(t, 'tally_followed_log_size', { log }));
      return sizes[0] === 2 && sizes[1] === 1 ? t : undefined;
    });
    for (const log of ['a', 'b']) {
      const age = sampleValue(text, 'tally_followed_log_head_age_seconds', { log })!;
      expect(age).toBeGreaterThanOrEqual(0);
      expect(age).toBeLessThan(30); // polled every second
    }
    expect(
      ['a', 'b', 'c'].map((log) => sampleValue(text, 'tally_followed_log_compromised', { log })),
    ).toEqual([0, 0, 1]);
    // Never verified: no head, so no size or age.
    expect(sampleValue(text, 'tally_followed_log_size', { log: 'c' })).toBeUndefined();
    expect(sampleValue(text, 'tally_followed_log_head_age_seconds', { log: 'c' })).toBeUndefined();
  });

  it('reports the spool depth after a submission is spooled', async () => {
    expect(sampleValue(await scrape(metricsUrl), 'tally_spool_files')).toBe(0);
    const entry = { key: keyOf('spooled'), value: Buffer.from('output spooled') };
    writeSpoolFile(spoolDirOf(followerState), { logId: '', entries: [entry] });
    expect(sampleValue(await scrape(metricsUrl), 'tally_spool_files')).toBe(1);
  });

  it('the metrics address serves the same registry, with default process metrics, and is not counted as cache traffic', async () => {
    const first = await scrape(metricsUrl);
    const second = await scrape(metricsUrl);
    const cacheScrapes = { method: 'GET', route: '/metrics', status: '200' };
    expect(sampleValue(second, 'tally_http_requests_total', cacheScrapes)).toBe(
      sampleValue(first, 'tally_http_requests_total', cacheScrapes),
    );
    expect(
      sampleValue(second, 'tally_decisions_total', { outcome: 'decided', source: 'cached' }),
    ).toBeGreaterThan(0);
    expect(sampleValue(second, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(sampleValue(second, 'nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
  });
});
