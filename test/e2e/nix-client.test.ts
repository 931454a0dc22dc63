import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DecideResponse } from '../../src/api/gen/tally/v1/admin.js';
import { keyFromHashPart } from '../../src/nix/store-path.js';
import { pollUntil } from '../helpers/poll.js';
import { tempDir } from '../helpers/tmp.js';
import { sampleValue } from '../metrics/prometheus-text.js';
import { names } from '../follower/cluster.js';
import { requireNix, textDerivation } from '../builder/nix-store.js';
import { createChrootNixStore, type ChrootNixStore } from './chroot-nix-store.js';
import {
  copyFromProxy,
  startBuilder,
  startClientDaemon,
  type Builder,
  type ClientDaemon as Client,
} from './cluster.js';

/*
 * End to end with a real Nix client (Debian's nix-bin): three builders, each with its own store,
 * log and binary cache, and users' daemons that follow the three logs and serve the cache proxy.
 * A fresh client store is filled with `nix copy --from <proxy>` and its bytes are checked.
 */

const AGREED_TEXT = 'reproducible: the same bytes on every builder\n';
const TAMPERED_TEXT = 'case 4: honest bytes\n';
const DERIVATIONS = {
  agreed: textDerivation('e2e-agreed', `echo ${AGREED_TEXT.trim()} > $out`),
  // Reads an impurity that differs on b3: same store path, different output.
  disputed: textDerivation('e2e-disputed', 'read -r f < /tally-flavour; echo "disputed: built $f" > $out'),
  random: textDerivation('e2e-random', '/usr/bin/od -An -N16 -tx1 /dev/urandom > $out'),
  tampered: textDerivation('e2e-tampered', `echo ${TAMPERED_TEXT.trim()} > $out`),
  // The same bytes everywhere (random's store path), but random is in its closure.
  needsRandom: textDerivation('e2e-needsRandom', 'echo ${random} > $out'),
};
type Case = keyof typeof DERIVATIONS;

/** At collection time: tempDir registers the afterAll that removes it. */
const root = tempDir('tally-e2e-');
let builders: Builder[];
const paths = {} as Record<Case, string>;
/** Follows b1, b2, b3; two thirds must agree. */
let majority: Client;
/** Follows the same logs; takes what b3 says. */
let trustsB3: Client;
/** The users' usual policy: two thirds of the followed logs must agree. */
const TWO_THIRDS =
  '[[policy]]\nname = "two-thirds"\nfile = "builtin:percentage"\n[policy.params]\nthreshold = 66\n';
/** Like `majority`, but serves a decided path whatever its closure (require_decided_references = false). */
let majorityPathAlone: Client;

const hashPartOf = (storePath: string) => path.basename(storePath).slice(0, 32);
const builder = (name: string) => builders.find((b) => b.name === name)!;
const builtBytes = (b: Builder, storePath: string) => fs.readFileSync(b.store.realPath(storePath), 'utf8');

/** Rewrites the NAR file of `storePath` in a builder's cache; its narinfo stays as it was, honest. */
function editCachedNar(b: Builder, storePath: string, edit: (nar: Buffer) => void): void {
  const narinfo = fs.readFileSync(path.join(b.cacheDir, `${hashPartOf(storePath)}.narinfo`), 'utf8');
  const narFile = path.join(b.cacheDir, /^URL: (.*)$/m.exec(narinfo)![1]!);
  const nar = fs.readFileSync(narFile);
  edit(nar);
  fs.writeFileSync(narFile, nar);
}

/** Builds every case's derivation in one `nix-build` and copies the outputs to the builder's cache. */
async function buildAndCache(b: Builder): Promise<Record<Case, string>> {
  const cases = Object.keys(DERIVATIONS) as Case[];
  const built = await b.store.build(
    `let random = ${DERIVATIONS.random}; in [ ${cases.map((c) => `(${DERIVATIONS[c]})`).join(' ')} ]`,
  );
  await b.copyToCache(built);
  return Object.fromEntries(cases.map((c) => [c, built.find((p) => p.endsWith(`-e2e-${c}`))])) as Record<
    Case,
    string
  >;
}

beforeAll(async () => {
  requireNix(); // fail at once, before any daemon starts
  builders = await Promise.all([
    // b1 publishes through the real post-build hook in its nix.conf, and is listed first, so the
    // proxy tries its (tampered, uncompressed) cache first.
    startBuilder(root, 'b1', { postBuildHook: true, compression: 'none', flavour: 'honest' }),
    startBuilder(root, 'b2', { compression: 'xz', flavour: 'honest' }),
    startBuilder(root, 'b3', { compression: 'zstd', flavour: 'evil' }),
  ]);
  const [b1, b2, b3] = builders as [Builder, Builder, Builder];
  // The users' daemons only need the builders' addresses: they start while the builders build.
  const clients = Promise.all([
    startClientDaemon(path.join(root, 'client-majority'), builders, TWO_THIRDS),
    startClientDaemon(
      path.join(root, 'client-b3'),
      builders,
      '[[policy]]\nname = "trust-b3"\nfile = "builtin:name-match"\n[policy.params]\nname = "b3"\n',
    ),
  ]);
  clients.catch(() => {}); // awaited below; a failed build must not leave it unhandled

  const builtBy = await Promise.all(builders.map(buildAndCache));
  // One store dir everywhere: the three builders built the very same store paths.
  expect(Object.values(builtBy[0]!).every((p) => p?.startsWith('/nix/store/'))).toBe(true);
  expect(builtBy[1]).toEqual(builtBy[0]);
  expect(builtBy[2]).toEqual(builtBy[0]);
  Object.assign(paths, builtBy[0]);

  // b1 published through its hook, which reached its daemon at once: nothing was spooled.
  expect(fs.existsSync(path.join(b1.publisher.daemon.stateDir, 'spool'))).toBe(false);
  // b2 publishes its closure from its store, b3 everything in its binary cache.
  const [closure, published] = await Promise.all([
    b2.store.cli([
      'submit-closure',
      ...Object.values(paths),
      '--admin-socket',
      b2.publisher.daemon.adminSocket,
      '--json',
    ]),
    b3.store.cli([
      'publish-cache',
      `file://${b3.cacheDir}`,
      '--admin-socket',
      b3.publisher.daemon.adminSocket,
      '--json',
    ]),
  ]);
  expect(closure.code, closure.stderr).toBe(0);
  expect(JSON.parse(closure.stdout)).toMatchObject({ appended: 5 });
  expect(published.code, published.stderr).toBe(0);
  expect(JSON.parse(published.stdout)).toMatchObject({ narinfos: 5, appended: 5 });

  // Case 4: b1's uncompressed NAR gets other bytes (it no longer hashes to its NarHash) and b2's
  // xz NAR a flipped byte (it no longer decompresses); only b3 still serves the real NAR.
  editCachedNar(b1, paths.tampered, (nar) => {
    const at = nar.indexOf('honest');
    expect(at, "b1's cache is uncompressed, so the text is in its NAR").toBeGreaterThan(0);
    nar.write('forged', at);
  });
  editCachedNar(b2, paths.tampered, (nar) => {
    nar[nar.length >> 1]! ^= 0xff;
  });
  [majority, trustsB3] = await clients;
}, 120_000);

afterAll(async () => {
  await Promise.all([majority, trustsB3, majorityPathAlone].map((c) => c?.daemon.stop()));
  await Promise.all((builders ?? []).map((b) => b.close()));
});

/** The client daemon's decision for a path, asked afresh over its admin API. */
function decide(client: Client, storePath: string): Promise<DecideResponse> {
  return client.admin.decide({ key: keyFromHashPart(hashPartOf(storePath)), bypassCache: true });
}

/** The client's decision once it has seen all three logs' entries for the path (they poll every second). */
function decisionWithAllVotes(client: Client, storePath: string): Promise<DecideResponse> {
  return pollUntil(`votes of all three logs on ${storePath}`, async () => {
    const d = await decide(client, storePath);
    return d.agreeing.length + d.dissenting.length === 3 ? d : undefined;
  });
}

const getNarinfo = (client: Client, storePath: string, method = 'GET') =>
  fetch(`${client.cacheUrl}/${hashPartOf(storePath)}.narinfo`, { method });

/** A fresh, empty client store. */
function clientStore(name: string): ChrootNixStore {
  return createChrootNixStore(path.join(root, 'clients', name));
}

async function substitute(client: Client, storePath: string, name: string): Promise<string> {
  const store = clientStore(name);
  const copied = await copyFromProxy(store, client, storePath);
  expect(copied.code, copied.stderr).toBe(0);
  expect(await store.isValid(storePath)).toBe(true);
  return fs.readFileSync(store.realPath(storePath), 'utf8');
}

describe('a real Nix client substituting through the proxy', () => {
  it('1: a reproducible path agreed by 3 of 3 is substituted with the right contents', async () => {
    const d = await decisionWithAllVotes(majority, paths.agreed);
    expect(d.decided).toBe(true);
    expect(names(d.agreeing)).toEqual(['b1', 'b2', 'b3']);
    expect(d.reason).toMatch(/3 of 3 voting logs hold the digest/);

    const narinfo = await getNarinfo(majority, paths.agreed);
    expect(narinfo.status).toBe(200);
    const text = await narinfo.text();
    expect(text).toContain(`StorePath: ${paths.agreed}\n`);
    expect(text).toContain('Compression: none\n');
    expect(text).toMatch(new RegExp(`^Sig: ${majority.publicKey.split(':')[0]}:`, 'm'));

    expect(await substitute(majority, paths.agreed, 'case-1')).toBe(AGREED_TEXT);
  }, 120_000);

  it('2: a builder that logged a different output is outvoted 2 to 1 at 66%', async () => {
    // The premise: b3 really built other bytes under the same store path.
    expect(builtBytes(builder('b1'), paths.disputed)).toBe('disputed: built honest\n');
    expect(builtBytes(builder('b3'), paths.disputed)).toBe('disputed: built evil\n');

    const d = await decisionWithAllVotes(majority, paths.disputed);
    expect(d.decided).toBe(true);
    expect(names(d.agreeing)).toEqual(['b1', 'b2']);
    expect(names(d.dissenting)).toEqual(['b3']);
    expect(d.reason).toMatch(/two-thirds decided: 2 of 3 voting logs/);

    expect(await substitute(majority, paths.disputed, 'case-2')).toBe('disputed: built honest\n');
  }, 120_000);

  it('3: a non-reproducible path (three different outputs) has no quorum: 404 with a reason, nothing substituted', async () => {
    const outputs = builders.map((b) => builtBytes(b, paths.random));
    expect(new Set(outputs).size).toBe(3);

    const d = await decisionWithAllVotes(majority, paths.random);
    expect(d.decided).toBe(false);
    for (const method of ['GET', 'HEAD']) {
      const response = await getNarinfo(majority, paths.random, method);
      expect(response.status).toBe(404);
      expect(response.headers.get('x-tally-reason')).toMatch(/tie: several digests each have 1 of 3 logs/);
    }

    const store = clientStore('case-3');
    const copied = await copyFromProxy(store, majority, paths.random);
    expect(copied.code).not.toBe(0);
    // Absent from the proxy, not some other failure (a bad signature, an unreachable proxy).
    expect(copied.stderr).toMatch(/no substituter that can build it|does not exist|is not valid/);
    expect(await store.isValid(paths.random)).toBe(false);
    expect(fs.existsSync(store.realPath(paths.random))).toBe(false);
  }, 120_000);

  it('4: caches serving tampered NARs under honest narinfos never get their bytes into the client store', async () => {
    const d = await decisionWithAllVotes(majority, paths.tampered);
    expect(names(d.agreeing)).toEqual(['b1', 'b2', 'b3']);
    expect((await getNarinfo(majority, paths.tampered)).status).toBe(200);

    // The proxy tries b1 and b2 first (the order they are followed in): it cuts each bad transfer
    // off and sets that upstream aside, so Nix's next try (its own retry, or another run) gets
    // b3's real NAR. In between, the store holds nothing valid and never the forged bytes.
    const store = clientStore('case-4');
    let attempts = 0;
    while (attempts < 3 && !(await store.isValid(paths.tampered))) {
      attempts++;
      await copyFromProxy(store, majority, paths.tampered);
      const file = store.realPath(paths.tampered);
      if (fs.existsSync(file)) expect(fs.readFileSync(file, 'utf8')).not.toMatch(/forged/);
    }
    expect(await store.isValid(paths.tampered)).toBe(true);
    expect(fs.readFileSync(store.realPath(paths.tampered), 'utf8')).toBe(TAMPERED_TEXT);
    // Both bad NARs were really offered, and caught.
    const log = majority.daemon.output();
    expect(log).toMatch(/NAR failed verification: transfer aborted, upstream marked bad/);
    expect(log).toMatch(/NAR transfer failed: transfer aborted, upstream marked bad/);
    // ... counted as aborted NARs (not only as 200s) and as upstreams set aside.
    const metrics = await (await fetch(`${majority.cacheUrl}/metrics`)).text();
    expect(sampleValue(metrics, 'tally_nar_aborts_total', { reason: 'verification_failed' })).toBe(1);
    expect(sampleValue(metrics, 'tally_nar_aborts_total', { reason: 'upstream_failed' })).toBe(1);
    for (const b of [builder('b1'), builder('b2')]) {
      expect(
        sampleValue(metrics, 'tally_upstream_set_aside_total', { upstream: b.cacheUrl, cause: 'bad_nar' }),
      ).toBe(1);
    }
  }, 120_000);

  it("5: name-match on one log gives that log's output, even against the majority", async () => {
    const disputed = await decisionWithAllVotes(trustsB3, paths.disputed);
    expect(disputed.decided).toBe(true);
    expect(names(disputed.agreeing)).toEqual(['b3']);
    expect(await substitute(trustsB3, paths.disputed, 'case-5-disputed')).toBe('disputed: built evil\n');

    // Its closure is decided too (b3's random): Nix copies both.
    await decisionWithAllVotes(trustsB3, paths.needsRandom);
    expect(await substitute(trustsB3, paths.needsRandom, 'case-5-closure')).toBe(`${paths.random}\n`);

    // Where all three differ, b3's own random bytes.
    await decisionWithAllVotes(trustsB3, paths.random);
    expect(await substitute(trustsB3, paths.random, 'case-5-random')).toBe(
      builtBytes(builder('b3'), paths.random),
    );
  }, 120_000);

  it('6: a path agreed 3 of 3 whose reference has no quorum is refused, the reason naming the reference', async () => {
    const d = await decisionWithAllVotes(majority, paths.needsRandom);
    expect(d.decided).toBe(true);
    expect(names(d.agreeing)).toEqual(['b1', 'b2', 'b3']);
    await decisionWithAllVotes(majority, paths.random);
    for (const method of ['GET', 'HEAD']) {
      const response = await getNarinfo(majority, paths.needsRandom, method);
      expect(response.status).toBe(404);
      expect(response.headers.get('x-tally-reason')).toBe(
        `reference ${paths.random} is not decided: two-thirds: tie: several digests each have 1 of 3 logs`,
      );
    }
    const store = clientStore('case-6');
    const copied = await copyFromProxy(store, majority, paths.needsRandom);
    expect(copied.code).not.toBe(0);
    // Nix is told the path itself is not there: it starts on nothing it cannot finish.
    expect(copied.stderr).toContain(paths.needsRandom);
    expect(copied.stderr).not.toContain(paths.random);
    expect(await store.isValid(paths.needsRandom)).toBe(false);
    expect(await store.isValid(paths.random)).toBe(false);
    expect(majority.daemon.output()).toMatch(/"msg":"path refused"/);

    // With require_decided_references = false the path is served on its own, and Nix fails only
    // at the reference, naming the reference instead. (Started only now: fewer daemons at once.)
    majorityPathAlone = await startClientDaemon(
      path.join(root, 'client-path-alone'),
      builders,
      TWO_THIRDS,
      'require_decided_references = false\n',
    );
    await decisionWithAllVotes(majorityPathAlone, paths.needsRandom);
    await decisionWithAllVotes(majorityPathAlone, paths.random);
    expect((await getNarinfo(majorityPathAlone, paths.needsRandom)).status).toBe(200);
    const alone = clientStore('case-6-path-alone');
    const copiedAlone = await copyFromProxy(alone, majorityPathAlone, paths.needsRandom);
    expect(copiedAlone.code).not.toBe(0);
    expect(copiedAlone.stderr).toContain(paths.random);
    expect(await alone.isValid(paths.needsRandom)).toBe(false);
  }, 120_000);
});
