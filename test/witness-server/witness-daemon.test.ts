import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  formatPublicKey,
  generateSecretKey,
  publicKeyOf,
  readPublicKeyFile,
  type SecretKey,
} from '../../src/crypto/ed25519-keys.js';
import { signNote } from '../../src/crypto/signed-note.js';
import { signCheckpoint } from '../../src/checkpoint/checkpoint.js';
import { checkWitnessQuorum, formatWitnessVerifierKey } from '../../src/witness/index.js';
import { addCheckpointBody, checkpointText, ReferenceTree } from '../fixtures/rfc6962-tree.js';
import { runCli, startDaemonProcess, testConfig, type DaemonProcess } from '../helpers/daemon.js';
import { tempDir } from '../helpers/tmp.js';
import { specVerifies } from '../witness/spec-verifier.js';

const ORIGIN = 'example.com/log-a';
const RACE_ORIGINS = Array.from({ length: 120 }, (_, i) => `example.com/race-${i}`);
const CLI_ORIGIN = 'example.com/cli';
const logKey = generateSecretKey('log-a');
const tree = new ReferenceTree().growTo(64);

function note(size: number, key: SecretKey = logKey, origin = ORIGIN, t = tree): string {
  return signNote(checkpointText(origin, t, size), key);
}

describe('tally as a witness (real daemon)', () => {
  let daemon: DaemonProcess;
  let stateDir: string;
  let config: string;
  let witnessPublic: { name: string; publicKey: Uint8Array };

  async function post(body: string | Buffer, prefix = '/witness') {
    const res = await fetch(`http://${daemon.http}${prefix}/add-checkpoint`, { method: 'POST', body });
    return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
  }

  beforeAll(async () => {
    stateDir = path.join(tempDir('tally-witness-'), 'state');
    const logs = [ORIGIN, CLI_ORIGIN, ...RACE_ORIGINS]
      .map(
        (origin) =>
          `[[witness.log]]\norigin = "${origin}"\npublic_key = "${formatPublicKey(publicKeyOf(logKey))}"\n`,
      )
      .join('');
    config = testConfig(
      `[publish]\nenabled = false\n[witness]\nenabled = true\nname = "w1.example"\n${logs}`,
    );
    config = config.replace(
      '[cache]\nlisten = ""\n',
      '[cache]\nlisten = ""\nmetrics_listen = "127.0.0.1:0"\n',
    );
    daemon = await startDaemonProcess({ stateDir, config });
    witnessPublic = readPublicKeyFile(path.join(stateDir, 'keys', 'witness.public'));
  });
  afterAll(async () => {
    await daemon?.stop();
  });

  it('generates its key with mode 0600, named by witness.name', () => {
    expect(fs.statSync(path.join(stateDir, 'keys', 'witness.secret')).mode & 0o777).toBe(0o600);
    expect(witnessPublic.name).toBe('w1.example');
  });

  it('404: an unknown origin', async () => {
    const other = new ReferenceTree('x').growTo(3);
    const res = await post(addCheckpointBody(0, [], note(3, logKey, 'example.com/unknown', other)));
    expect(res.status).toBe(404);
    expect(res.text).toMatch(/unknown origin/);
  });

  it('403: no signature by a trusted key verifies (another key of the same name, or a broken one)', async () => {
    expect((await post(addCheckpointBody(0, [], note(3, generateSecretKey('log-a'))))).status).toBe(403);
    const broken = note(3).replace(
      / (\S)(\S+)\n$/,
      (_, first: string, rest: string) => ` ${first === 'A' ? 'B' : 'A'}${rest}\n`,
    );
    expect((await post(addCheckpointBody(0, [], broken))).status).toBe(403);
  });

  it('400: malformed bodies, and old larger than the checkpoint size', async () => {
    const good = note(3);
    const bodies = [
      '',
      'garbage',
      `old 03\n\n${good}`,
      `old -1\n\n${good}`,
      `old 0\n${good}`, // no empty line before the checkpoint
      `old 0\nnot base64!\n\n${good}`,
      `old 0\n${Buffer.alloc(31).toString('base64')}\n\n${good}`,
      addCheckpointBody(
        0,
        Array.from({ length: 64 }, () => Buffer.alloc(32)),
        good,
      ),
      `old 0\n\n${checkpointText(ORIGIN, tree, 3)}`, // no signature
      Buffer.from([0x6f, 0x6c, 0x64, 0x20, 0x30, 0x0a, 0x0a, 0xff, 0xfe]), // not UTF-8
    ];
    for (const body of bodies) {
      const res = await post(body);
      expect(res.status, JSON.stringify(body.toString().slice(0, 40))).toBe(400);
    }
    const res = await post(addCheckpointBody(4, [], good));
    expect(res.status).toBe(400);
    expect(res.text).toMatch(/old size 4 is larger than the checkpoint size 3/);
  });

  it('200: cosigns a first checkpoint; the line verifies with a verifier written from the spec, a tampered one does not', async () => {
    const cp = note(5);
    const res = await post(addCheckpointBody(0, [], cp));
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/^\u2014 w1\.example [A-Za-z0-9+/=]+\n$/);
    const body = checkpointText(ORIGIN, tree, 5);
    expect(specVerifies(res.text, body, 'w1.example', witnessPublic.publicKey)).toBe(true);
    const bytes = Buffer.from(res.text.trim().split(' ')[2]!, 'base64');
    bytes[bytes.length - 1]! ^= 1;
    const tampered = `\u2014 w1.example ${bytes.toString('base64')}\n`;
    expect(specVerifies(tampered, body, 'w1.example', witnessPublic.publicKey)).toBe(false);
    expect(checkWitnessQuorum(cp + res.text, { witnesses: [witnessPublic], quorum: 1 }).met).toBe(true);
    expect(checkWitnessQuorum(cp + tampered, { witnesses: [witnessPublic], quorum: 1 }).met).toBe(false);
  });

  it('409 with text/x.tlog.size when old is not the latest cosigned size', async () => {
    const res = await post(addCheckpointBody(3, tree.consistencyProof(3, 8), note(8)));
    expect(res).toEqual({ status: 409, type: 'text/x.tlog.size', text: '5\n' });
  });

  it('422 when the proof does not verify, kept as evidence', async () => {
    const wrong = tree.consistencyProof(5, 8).map((h, i) => (i === 0 ? Buffer.alloc(32, 7) : h));
    const res = await post(addCheckpointBody(5, wrong, note(8)));
    expect(res.status).toBe(422);
  });

  it('409 when the sizes match but the roots differ (a fork), kept as evidence', async () => {
    const fork = new ReferenceTree('fork').growTo(5);
    const res = await post(addCheckpointBody(5, [], note(5, logKey, ORIGIN, fork)));
    expect(res).toEqual({ status: 409, type: 'text/x.tlog.size', text: '5\n' });
  });

  it('200 again for a consistent extension, and for the same checkpoint once more', async () => {
    const res = await post(addCheckpointBody(5, tree.consistencyProof(5, 8), note(8)));
    expect(res.status).toBe(200);
    expect(
      specVerifies(res.text, checkpointText(ORIGIN, tree, 8), 'w1.example', witnessPublic.publicKey),
    ).toBe(true);
    expect((await post(addCheckpointBody(8, [], note(8)))).status).toBe(200);
    // The prefix is the configured one: nothing else answers.
    expect((await post(addCheckpointBody(8, [], note(8)), '/other')).status).toBe(404);
  });

  it('refuses a body over the bound with 413, survives random bytes, and stays up', async () => {
    expect((await post(Buffer.alloc(200 * 1024, 0x41))).status).toBe(413);
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 600 }), async (bytes) => {
        const res = await post(Buffer.concat([Buffer.from('old 0\n'), bytes]));
        expect([400, 403, 404]).toContain(res.status);
      }),
      { numRuns: 60 },
    );
    expect((await post(addCheckpointBody(8, [], note(8)))).status).toBe(200);
  });

  it('racing calls on one log (sizes N and N+K, any order) never roll the witness back', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 0, max: 10 }),
        fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 2, maxLength: 8 }),
        async (n, k, base, picks) => {
          // At least one request starts from the stored size, so one of them must be cosigned.
          fc.pre(picks.some((p) => p !== 2));
          const origin = RACE_ORIGINS[run++]!;
          const cp = (size: number) => note(size, logKey, origin);
          let latest = 0;
          if (base > 0) {
            expect((await post(addCheckpointBody(0, [], cp(base)))).status).toBe(200);
            latest = base;
          }
          const small = base + n;
          const large = small + k;
          // Every request one racing submitter might send: from the base, or from N to N+K.
          const kinds = [
            { size: small, body: addCheckpointBody(latest, tree.consistencyProof(latest, small), cp(small)) },
            { size: large, body: addCheckpointBody(latest, tree.consistencyProof(latest, large), cp(large)) },
            { size: large, body: addCheckpointBody(small, tree.consistencyProof(small, large), cp(large)) },
          ];
          const requests = picks.map((p) => kinds[p % kinds.length]!);
          const answers = await Promise.all(requests.map((r) => post(r.body)));
          const cosigned = requests.filter((_, i) => answers[i]!.status === 200).map((r) => r.size);
          for (const a of answers) expect([200, 409]).toContain(a.status);
          expect(cosigned.length).toBeGreaterThan(0);
          // Probe: old 0 against the stored state answers its size (409), or cosigns again if it is 0.
          const probe = await post(addCheckpointBody(0, [], cp(large)));
          expect(probe.status).toBe(409);
          expect(Number(probe.text)).toBe(Math.max(...cosigned));
        },
      ),
      { numRuns: 40, endOnFailure: true },
    );
  });

  it('shows the evidence in `tally evidence`, and counts requests by status', async () => {
    const run = await runCli(['evidence', '--state', stateDir, '--json']);
    expect(run.code, run.stderr).toBe(0);
    const { witnessEvidence } = JSON.parse(run.stdout) as {
      witnessEvidence: {
        kind: string;
        origin: string;
        oldCheckpoint: string;
        newCheckpoint: string;
        proof: string[];
      }[];
    };
    expect(witnessEvidence.map((e) => e.kind)).toEqual(['inconsistent', 'fork']);
    expect(witnessEvidence[0]!.origin).toBe(ORIGIN);
    expect(witnessEvidence[0]!.oldCheckpoint).toBe(note(5));
    expect(witnessEvidence[0]!.newCheckpoint).toBe(note(8));
    expect(witnessEvidence[0]!.proof[0]).toBe(Buffer.alloc(32, 7).toString('base64'));
    const human = await runCli(['evidence', '--state', stateDir]);
    expect(human.stdout).toMatch(/fork submitted to this witness for origin example\.com\/log-a/);

    const metricsAddress = JSON.parse(
      daemon
        .output()
        .split('\n')
        .find((l) => l.includes('tally daemon ready'))!,
    ).addresses.metrics as string;
    const metrics = await (await fetch(`http://${metricsAddress}/metrics`)).text();
    for (const status of ['200', '400', '403', '404', '409', '422']) {
      expect(metrics).toMatch(new RegExp(`tally_witness_requests_total\\{status="${status}"\\} [1-9]`));
    }
    // Every answered request is timed once.
    const answered = [...metrics.matchAll(/^tally_witness_requests_total\{status="\d+"\} (\d+)$/gm)];
    const timed = /^tally_witness_request_duration_seconds_count (\d+)$/m.exec(metrics);
    expect(Number(timed?.[1])).toBe(answered.reduce((sum, m) => sum + Number(m[1]), 0));
    expect(Number(timed?.[1])).toBeGreaterThan(0);
  });

  it('`tally verify checkpoint --witness --quorum` counts the cosignatures this witness made', async () => {
    const cp = signCheckpoint(
      { origin: CLI_ORIGIN, size: 4, logRoot: tree.root(4), mapRoot: Buffer.alloc(32) },
      logKey,
    );
    const res = await post(addCheckpointBody(0, [], cp));
    expect(res.status).toBe(200);
    const dir = tempDir('tally-witness-cli-');
    const file = (name: string, text: string) => {
      fs.writeFileSync(path.join(dir, name), text);
      return path.join(dir, name);
    };
    const cosigned = file('cosigned.checkpoint', cp + res.text);
    const logPublic = file('log.public', formatPublicKey(publicKeyOf(logKey)));
    const w1 = path.join(stateDir, 'keys', 'witness.public');
    const w2 = file('w2.public', formatPublicKey(publicKeyOf(generateSecretKey('w2.example'))));
    const verify = (note: string, ...args: string[]) =>
      runCli(['verify', 'checkpoint', note, '--key', logPublic, ...args]);

    const one = await verify(cosigned, '--witness', w1, '--witness', w2, '--quorum', '1');
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout).toMatch(/cosigned: w1\.example at .* \(quorum 1 of 2\)/);
    const vkey = await verify(cosigned, '--witness', formatWitnessVerifierKey(witnessPublic), '--json');
    expect(vkey.code, vkey.stderr).toBe(0);
    expect(JSON.parse(vkey.stdout).witnesses.cosignedBy[0].name).toBe('w1.example');

    const two = await verify(cosigned, '--witness', w1, '--witness', w2, '--quorum', '2');
    expect(two.code).toBe(1);
    expect(two.stderr).toMatch(/not witnessed: 1 of 2 listed witnesses cosigned \(w1\.example\), quorum 2/);
    const bytes = Buffer.from(res.text.trim().split(' ')[2]!, 'base64');
    bytes[20]! ^= 1;
    const tampered = file('tampered.checkpoint', `${cp}\u2014 w1.example ${bytes.toString('base64')}\n`);
    const bad = await verify(tampered, '--witness', w1);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/w1\.example: the cosignature does not verify/);
    const noWitness = await verify(cosigned, '--quorum', '1');
    expect(noWitness.code).not.toBe(0);
    expect(noWitness.stderr).toMatch(/--quorum needs at least one --witness/);
  });

  it('keeps its state across a restart', async () => {
    await daemon.stop();
    daemon = await startDaemonProcess({ stateDir, config });
    expect(await post(addCheckpointBody(5, tree.consistencyProof(5, 9), note(9)))).toEqual({
      status: 409,
      type: 'text/x.tlog.size',
      text: '8\n',
    });
  });
});
