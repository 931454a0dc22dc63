import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeNixValue, keyFromHashPart } from '../../src/nix/index.js';
import { pollUntil } from '../helpers/poll.js';
import { tempDir } from '../helpers/tmp.js';
import { logIdOfPublisher } from '../follower/mirror-cluster.js';
import { requireNix, textDerivation } from '../builder/nix-store.js';
import { runCli } from '../cli/run-cli.js';
import { startBuilder, startClientDaemon, type Builder, type ClientDaemon } from './cluster.js';

/*
 * The reproducibility report end to end with real Nix builds: three builders build a reproducible
 * derivation and a non-reproducible one (random bytes in its output), and log them; b3 logs a
 * wrong NarHash for a third, reproducible path. A user's daemon mirrors the three logs, and
 * `tally r13y` shows exactly the two disputes, with the right groups, and verified evidence.
 */

const DERIVATIONS = {
  same: textDerivation('r13y-same', 'echo built the same everywhere > $out'),
  random: textDerivation('r13y-random', '/usr/bin/od -An -N16 -tx1 /dev/urandom > $out'),
  lied: textDerivation('r13y-lied', 'echo b3 logs another hash for this > $out'),
};
type Case = keyof typeof DERIVATIONS;

const root = tempDir('tally-e2e-r13y-');
let builders: Builder[];
let client: ClientDaemon;
let http: string;
const paths = {} as Record<Case, string>;
const hashPartOf = (storePath: string) => path.basename(storePath).slice(0, 32);

async function buildAndLog(b: Builder, cases: Case[]): Promise<Record<Case, string>> {
  const all = Object.keys(DERIVATIONS) as Case[];
  const built = await b.store.build(`[ ${all.map((c) => `(${DERIVATIONS[c]})`).join(' ')} ]`);
  const byCase = Object.fromEntries(all.map((c) => [c, built.find((p) => p.endsWith(`-r13y-${c}`))!]));
  const logged = await b.store.cli([
    'submit-closure',
    ...cases.map((c) => byCase[c]!),
    '--admin-socket',
    b.publisher.daemon.adminSocket,
    '--json',
  ]);
  expect(logged.code, logged.stderr).toBe(0);
  return byCase as Record<Case, string>;
}

const cliJson = (args: string[]) => {
  const run = runCli([...args, '--http', http, '--json']);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as Record<string, unknown>;
};

beforeAll(async () => {
  requireNix();
  builders = await Promise.all(
    ['b1', 'b2', 'b3'].map((name) => startBuilder(root, name, { compression: 'none', flavour: 'honest' })),
  );
  const [b1, b2, b3] = builders as [Builder, Builder, Builder];
  const built = await Promise.all([
    buildAndLog(b1, ['same', 'random', 'lied']),
    buildAndLog(b2, ['same', 'random', 'lied']),
    buildAndLog(b3, ['same', 'random']),
  ]);
  expect(built[1]).toEqual(built[0]);
  expect(built[2]).toEqual(built[0]);
  Object.assign(paths, built[0]);
  // The premise: the random output really differs between builders, the others do not.
  const bytes = (b: Builder, c: Case) => fs.readFileSync(b.store.realPath(paths[c]), 'utf8');
  expect(new Set(builders.map((b) => bytes(b, 'random'))).size).toBe(3);
  expect(new Set(builders.map((b) => bytes(b, 'lied'))).size).toBe(1);

  // b3 logs a NarHash it did not build for `lied`.
  await b3.publisher.daemon.adminClient().submit({
    logId: '',
    entries: [
      {
        key: keyFromHashPart(hashPartOf(paths.lied)),
        value: encodeNixValue({
          storePath: paths.lied,
          narHash: `sha256:${'1'.repeat(52)}`,
          narSize: 120,
          references: [],
        }),
      },
    ],
  });

  client = await startClientDaemon(
    path.join(root, 'client'),
    builders,
    '[[policy]]\nname = "all"\nfile = "builtin:percentage"\n[policy.params]\nthreshold = 100\n',
    '',
    true,
  );
  http = client.daemon.http!;
  await pollUntil(
    'the report to hold every path of all three logs',
    async () => {
      const answer = await fetch(`http://${http}/r13y.json`);
      const summary = (await answer.json()) as { shared: number; disputed: number };
      return summary.shared === 3 && summary.disputed === 2 ? summary : undefined;
    },
    { timeoutMs: 60_000 },
  );
}, 240_000);

afterAll(async () => {
  await client?.daemon.stop();
  await Promise.all((builders ?? []).map((b) => b.close()));
});

describe('tally r13y over three real Nix builders', () => {
  it('shows exactly the two disputes', () => {
    const { summary } = cliJson(['r13y']) as { summary: Record<string, unknown> };
    expect(summary).toMatchObject({ paths: 3, shared: 3, agreeing: 1, disputed: 2 });
    const text = runCli(['r13y', '--http', http]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('in dispute: 2');

    const disputes = cliJson(['r13y', 'disputes']) as { total: number; items: { hashPart: string }[] };
    expect(disputes.total).toBe(2);
    expect(disputes.items.map((i) => i.hashPart).sort()).toEqual(
      [hashPartOf(paths.random), hashPartOf(paths.lied)].sort(),
    );
    expect(cliJson(['r13y', 'disputes', '--name', 'r13y-lied'])).toMatchObject({
      total: 1,
      items: [{ hashPart: hashPartOf(paths.lied), name: 'r13y-lied' }],
    });
  });

  it('groups the non-reproducible path by builder, and the lie apart from the two honest logs', () => {
    const [b1, b2, b3] = builders.map((b) => logIdOfPublisher(b.publisher));
    type Verified = { disputed: boolean; groups: { narHash: string; logs: string[] }[] };
    const random = (cliJson(['r13y', 'show', paths.random]) as { verified: Verified }).verified;
    expect(random.disputed).toBe(true);
    expect(random.groups.map((g) => g.logs)).toEqual(expect.arrayContaining([[b1], [b2], [b3]]));
    expect(random.groups).toHaveLength(3);

    const lied = cliJson(['r13y', 'show', paths.lied]) as { verified: Verified; evidence: unknown };
    expect(lied.verified.groups).toHaveLength(2);
    expect(lied.verified.groups).toContainEqual(
      expect.objectContaining({ narHash: `sha256:${'1'.repeat(52)}`, logs: [b3] }),
    );
    expect(lied.verified.groups).toContainEqual(expect.objectContaining({ logs: [b1, b2].sort() }));

    // The evidence checks on its own, offline.
    const file = path.join(root, 'lied-evidence.json');
    fs.writeFileSync(file, JSON.stringify(lied));
    const offline = runCli(['verify', 'r13y-evidence', file]);
    expect(offline.code, offline.stderr).toBe(0);
    expect(offline.stdout).toContain('they DISAGREE');

    const same = cliJson(['r13y', 'show', paths.same]) as { verified: Verified };
    expect(same.verified).toMatchObject({ disputed: false, groups: [{ logs: [b1, b2, b3].sort() }] });
  });
});
