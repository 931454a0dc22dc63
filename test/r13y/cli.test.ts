import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePublicKey } from '../../src/crypto/ed25519-keys.js';
import { sha256 } from '../../src/crypto/sha256.js';
import { decodeNixValue, encodeNixValue } from '../../src/nix/index.js';
import { verifyR13yEvidence, type R13yEvidence } from '../../src/verify/r13y-evidence.js';
import { startDaemonProcess, type DaemonProcess } from '../helpers/daemon.js';
import { tempDir } from '../helpers/tmp.js';
import { pollUntil } from '../helpers/poll.js';
import { assertBuilt, runCli } from '../cli/run-cli.js';
import { sampleValue } from '../metrics/prometheus-text.js';
import { startPublisher, type Publisher } from '../follower/cluster.js';
import { logOutput, narHash } from './cluster.js';
import { logIdOfPublisher, mirrorConfig, tilesUrlOf } from '../follower/mirror-cluster.js';

const json = (args: string[]) => {
  const run = runCli([...args, '--json']);
  return { ...run, body: JSON.parse(run.stdout) as Record<string, unknown> };
};

/** `tally r13y`, its disputes and its verified evidence, and the r13y gauges, against a real mirroring daemon. */
describe('tally r13y against a mirroring daemon', () => {
  const root = tempDir('tally-r13y-cli-');
  let builders: Publisher[] = [];
  let mirror: DaemonProcess | undefined;
  let http: string;
  let evidence: R13yEvidence;
  const paths: Record<string, string> = {};

  beforeAll(async () => {
    assertBuilt();
    builders = await Promise.all(['a', 'b', 'c'].map((n) => startPublisher(root, n)));
    const [a, b, c] = builders as [Publisher, Publisher, Publisher];
    for (const p of builders) paths.same = await logOutput(p, 'same', 'hello-2.12', '0');
    paths.rand = await logOutput(a, 'rand', 'rand-1.0', '1');
    await logOutput(b, 'rand', 'rand-1.0', '1');
    await logOutput(c, 'rand', 'rand-1.0', '3');
    paths.lone = await logOutput(a, 'lone', 'lone-1', '0');
    const config = mirrorConfig(
      builders.map((p) => ({ name: p.name, publicKey: p.publicKey, url: tilesUrlOf(p) })),
    ).replace('[cache]\nlisten = ""', '[cache]\nlisten = "127.0.0.1:0"');
    mirror = await startDaemonProcess({ stateDir: path.join(root, 'mirror'), config });
    http = mirror.http!;
    await pollUntil(
      'the report holds all three logs',
      async () => {
        const body = (await (await fetch(`http://${http}/r13y.json`)).json()) as { shared: number };
        return body.shared === 2 ? body : undefined;
      },
      { timeoutMs: 30_000 },
    );
  }, 90_000);
  afterAll(async () => {
    await mirror?.stop();
    await Promise.all(builders.map((p) => p.daemon.stop()));
  });

  it('prints the summary as text and as JSON', () => {
    const text = runCli(['r13y', '--http', http]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('in dispute: 1');
    expect(text.stdout).toContain('agreeing: 1 (50.0% of those)');
    expect(text.stdout).toMatch(/rand: 1 disputed, 0 agreeing/);
    const { code, body } = json(['r13y', '--http', http]);
    expect(code).toBe(0);
    expect(body.summary).toMatchObject({ paths: 3, shared: 2, agreeing: 1, disputed: 1, agreeShare: 0.5 });
    expect((body.summary as { byLogPair: unknown[] }).byLogPair).toHaveLength(3);
  });

  it('lists disputes, filtered by name', () => {
    const all = runCli(['r13y', 'disputes', '--http', http]);
    expect(all.code).toBe(0);
    expect(all.stdout).toContain(`/nix/store/${paths.rand}-rand-1.0`);
    expect(all.stdout).toContain('1 disputed; page 1 of 1');
    expect(json(['r13y', 'disputes', '--name', 'hello', '--http', http]).body).toMatchObject({
      total: 0,
      items: [],
    });
    expect(json(['r13y', 'disputes', '--name', 'rand', '--http', http]).body).toMatchObject({
      total: 1,
      items: [{ hashPart: paths.rand, name: 'rand-1.0' }],
    });
    expect(runCli(['r13y', 'disputes', '--page', '0', '--http', http]).code).toBe(2);
  });

  it('shows verified evidence for a dispute, with each log’s checkpoint, proof and value', () => {
    const text = runCli(['r13y', 'show', `/nix/store/${paths.rand}-rand-1.0`, '--http', http]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('DISPUTED by 3 log(s), verified');
    expect(text.stdout).toContain('signed checkpoint (size');
    expect(text.stdout).toContain('inclusion proof');
    const { code, body } = json(['r13y', 'show', paths.rand!, '--http', http]);
    expect(code).toBe(0);
    evidence = body.evidence as R13yEvidence;
    const ids = builders.map(logIdOfPublisher);
    expect((body.verified as { groups: unknown }).groups).toEqual([
      expect.objectContaining({ narHash: narHash('1'), logs: [ids[0], ids[1]].sort() }),
      expect.objectContaining({ narHash: narHash('3'), logs: [ids[2]] }),
    ]);
    expect(evidence.logs.map((l) => l.logId).sort()).toEqual([...ids].sort());
  });

  it('the evidence verifies on its own, and any tampering fails', () => {
    const keys = builders.map((p) => parsePublicKey(p.publicKey));
    expect(verifyR13yEvidence(evidence).disputed).toBe(true);
    expect(verifyR13yEvidence(evidence, keys).groups).toHaveLength(2);
    const file = path.join(root, 'evidence.json');
    fs.writeFileSync(file, JSON.stringify(evidence));
    expect(runCli(['verify', 'r13y-evidence', file]).code).toBe(0);
    const keyFile = path.join(root, 'a.public');
    fs.writeFileSync(keyFile, builders[0]!.publicKey);
    const onlyA = runCli(['verify', 'r13y-evidence', file, '--key', keyFile]);
    expect(onlyA.code).toBe(1);
    expect(onlyA.stderr).toMatch(/not one of the trusted keys/);

    const tampered = (change: (e: R13yEvidence) => void): R13yEvidence => {
      const copy = structuredClone(evidence);
      change(copy);
      return copy;
    };
    // A different value, with its digest changed to match: the leaf is then not in the tree.
    const lie = tampered((e) => {
      const item = e.logs.find(
        (l) => decodeNixValue(Buffer.from(l.value, 'base64')).narHash === narHash('3'),
      )!;
      const value = encodeNixValue({
        ...decodeNixValue(Buffer.from(item.value, 'base64')),
        narHash: narHash('1'),
      });
      item.value = value.toString('base64');
      item.valueDigest = sha256(value).toString('hex');
    });
    expect(() => verifyR13yEvidence(lie)).toThrow(/inclusion|root/i);
    expect(() =>
      verifyR13yEvidence(tampered((e) => (e.logs[0]!.value = Buffer.from('x').toString('base64')))),
    ).toThrow(/does not hash/);
    expect(() =>
      verifyR13yEvidence(tampered((e) => (e.logs[0]!.inclusionProof[0] = '00'.repeat(32)))),
    ).toThrow();
    expect(() =>
      verifyR13yEvidence(
        tampered((e) => (e.logs[0]!.checkpoint = e.logs[0]!.checkpoint.replace(/\n\d+\n/, '\n999\n'))),
      ),
    ).toThrow(/signature/i);
    expect(() => verifyR13yEvidence(tampered((e) => (e.logs[1]!.publicKey = e.logs[0]!.publicKey)))).toThrow(
      /log ID|signature/,
    );
    const lieFile = path.join(root, 'lie.json');
    fs.writeFileSync(lieFile, JSON.stringify({ ok: true, evidence: lie }));
    expect(runCli(['verify', 'r13y-evidence', lieFile]).code).toBe(1);
  });

  it('says clearly when the path is unknown, the argument bad or the daemon unreachable', () => {
    const unknown = runCli(['r13y', 'show', '0'.repeat(32), '--http', http]);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toMatch(/no followed log holds/);
    expect(runCli(['r13y', 'show', 'not-a-path', '--http', http]).code).toBe(2);
    const away = json(['r13y', '--http', '127.0.0.1:1']);
    expect(away.code).toBe(3);
    expect(away.body).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE' } });
    expect((away.body.error as { message: string }).message).toMatch(
      /cannot reach the daemon's HTTP listener at 127.0.0.1:1/,
    );
  });

  it('exports agreeing, disputed and per-pair gauges on /metrics', async () => {
    const text = await (await fetch(`http://${mirror!.metrics}/metrics`)).text();
    expect(sampleValue(text, 'tally_r13y_agreeing_paths')).toBe(1);
    expect(sampleValue(text, 'tally_r13y_disputed_paths')).toBe(1);
    const [a, b, c] = builders.map(logIdOfPublisher);
    const pairName = (x: string, y: string) => {
      const names = new Map([
        [a!, 'a'],
        [b!, 'b'],
        [c!, 'c'],
      ]);
      return x < y
        ? { log_a: names.get(x)!, log_b: names.get(y)! }
        : { log_a: names.get(y)!, log_b: names.get(x)! };
    };
    expect(sampleValue(text, 'tally_r13y_pair_shared_paths', pairName(a!, b!))).toBe(2);
    expect(sampleValue(text, 'tally_r13y_pair_disagreeing_paths', pairName(a!, b!))).toBe(0);
    expect(sampleValue(text, 'tally_r13y_pair_disagreeing_paths', pairName(a!, c!))).toBe(1);
    expect(sampleValue(text, 'tally_r13y_pair_disagreeing_paths', pairName(b!, c!))).toBe(1);
  });
});
