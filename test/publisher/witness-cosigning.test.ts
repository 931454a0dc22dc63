import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logIdOf } from '../../src/checkpoint/log-id.js';
import {
  formatPublicKey,
  generateSecretKey,
  publicKeyOf,
  writeKeyPair,
  type PublicKey,
} from '../../src/crypto/ed25519-keys.js';
import { parseAddCheckpointBody } from '../../src/witness/add-checkpoint.js';
import { checkWitnessQuorum, cosignatureLine } from '../../src/witness/index.js';
import { runCli, startDaemonProcess, testConfig, type DaemonProcess } from '../helpers/daemon.js';
import { pollUntil } from '../helpers/poll.js';
import { tempDir } from '../helpers/tmp.js';
import { sampleValue } from '../metrics/prometheus-text.js';
import { keyOf } from '../follower/cluster.js';

/**
 * A builder with [[publish.witness]]: a real tally witness daemon (down at first, then up) and a
 * witness that answers with a broken cosignature. Submissions are acknowledged and published
 * while the witness is down; its cosignature arrives once it is up, is served on HTTP, gRPC and
 * the static copy, survives a restart, and lets a follower with witness_quorum count the log.
 */
describe('a builder gathers cosignatures from its witnesses', () => {
  const root = tempDir('tally-witness-publish-');
  const ORIGIN = 'example.com/builder';
  const logKey = generateSecretKey('builder');
  const witnessKey = generateSecretKey('w1.example');
  const badKey = generateSecretKey('bad.example');
  const w1: PublicKey = publicKeyOf(witnessKey);
  const bad: PublicKey = publicKeyOf(badKey);
  const logId = logIdOf(publicKeyOf(logKey), 'nix');
  const www = path.join(root, 'www');
  const builderState = path.join(root, 'builder');
  let witnessPort = 0;
  let witness: DaemonProcess | undefined;
  let builder: DaemonProcess;
  let follower: DaemonProcess | undefined;
  let badWitness: http.Server;
  let badRequests = 0;

  const witnessConfig = (port: number) =>
    testConfig(
      `[publish]\nenabled = false\n[witness]\nenabled = true\nkey_file = ${JSON.stringify(path.join(root, 'keys', 'w1.secret'))}\n` +
        `[[witness.log]]\norigin = "${ORIGIN}"\npublic_key = "${formatPublicKey(publicKeyOf(logKey))}"\n`,
    ).replace('http_listen = "127.0.0.1:0"', `http_listen = "127.0.0.1:${port}"`);
  const startWitness = (port: number) =>
    startDaemonProcess({ stateDir: path.join(root, 'witness'), config: witnessConfig(port) });

  const startBuilder = (badPort: number) =>
    startDaemonProcess({
      stateDir: builderState,
      config: testConfig(
        `[publish]\nname = "builder"\nkey_file = ${JSON.stringify(path.join(root, 'keys', 'builder.secret'))}\norigin = "${ORIGIN}"\n` +
          `[publish.static]\ndir = ${JSON.stringify(www)}\n` +
          `[[publish.witness]]\nname = "w1.example"\npublic_key = "${formatPublicKey(w1)}"\nurl = "http://127.0.0.1:${witnessPort}/witness"\n` +
          `[[publish.witness]]\nname = "bad.example"\npublic_key = "${formatPublicKey(bad)}"\nurl = "http://127.0.0.1:${badPort}/witness/"\n`,
      ).replace('[cache]\nlisten = ""\n', '[cache]\nlisten = ""\nmetrics_listen = "127.0.0.1:0"\n'),
    });

  const servedCheckpoint = async () =>
    (await fetch(`http://${builder.http}/logs/${logId}/checkpoint`)).text();
  const cosignedBy = (note: string, witnessKey: PublicKey) =>
    checkWitnessQuorum(note, { witnesses: [witnessKey], quorum: 1 });
  const sizeOf = (note: string) => Number(note.split('\n')[1]);
  const submit = (label: string) =>
    builder
      .adminClient()
      .submit({ logId: '', entries: [{ key: keyOf(label), value: Buffer.from(`value of ${label}`) }] });
  const cosigning = async (name: string) => {
    const { logs } = await builder.publicClient().listLogs({});
    return logs.find((l) => l.role === 'published')!.witnessCosigning.find((w) => w.name === name)!;
  };
  /** Waits until the builder serves a checkpoint of `size` that w1 validly cosigned. */
  const cosignedServed = (size: number) =>
    pollUntil(
      `a checkpoint of size ${size} served with w1's cosignature`,
      async () => {
        const note = await servedCheckpoint();
        return sizeOf(note) === size && cosignedBy(note, w1).met ? note : undefined;
      },
      { timeoutMs: 60_000 },
    );

  beforeAll(async () => {
    writeKeyPair(path.join(root, 'keys'), logKey, 'builder');
    writeKeyPair(path.join(root, 'keys'), witnessKey, 'w1');
    // A witness that cosigns everything with a signature that does not verify (one bit flipped).
    badWitness = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (c: Buffer) => chunks.push(c));
      request.on('end', () => {
        badRequests++;
        const { text } = parseAddCheckpointBody(Buffer.concat(chunks));
        const line = cosignatureLine(text, badKey, Math.floor(Date.now() / 1000));
        const [prefix, material] = [
          line.slice(0, line.lastIndexOf(' ') + 1),
          line.slice(line.lastIndexOf(' ') + 1),
        ];
        const bytes = Buffer.from(material.trim(), 'base64');
        bytes[bytes.length - 1]! ^= 1;
        response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
        response.end(`${prefix}${bytes.toString('base64')}\n`);
      });
    });
    await new Promise<void>((resolve) => badWitness.listen(0, '127.0.0.1', resolve));
    // The witness's port, from a first run; it is down while the builder starts and publishes.
    const first = await startWitness(0);
    witnessPort = Number(first.http!.slice(first.http!.lastIndexOf(':') + 1));
    await first.stop();
    builder = await startBuilder((badWitness.address() as AddressInfo).port);
  }, 120_000);
  afterAll(async () => {
    await follower?.stop();
    await builder?.stop();
    await witness?.stop();
    await new Promise((resolve) => badWitness?.close(resolve));
  });

  it('acknowledges and publishes submissions while the witness is down', async () => {
    for (let i = 0; i < 5; i++) await submit(`down ${i}`);
    const note = await servedCheckpoint();
    expect(sizeOf(note)).toBe(5);
    expect(cosignedBy(note, w1).cosignedBy).toEqual([]);
    const state = await pollUntil('w1 reported failing', async () => {
      const w = await cosigning('w1.example');
      return w.lastError !== '' ? w : undefined;
    });
    expect(state.lastError).toMatch(/add-checkpoint: .*ECONNREFUSED/);
    expect(state.cosignedSize).toBeUndefined();
    expect(state.failures).toBeGreaterThan(0);
  });

  it('serves the cosignature once the witness is up: HTTP, gRPC, the static copy, tally logs, metrics', async () => {
    witness = await startWitness(witnessPort);
    const note = await cosignedServed(5);
    // The log's own signature comes first, the cosignature after it.
    expect(
      note
        .split('\n')
        .filter((l) => l.startsWith('\u2014 '))
        .map((l) => l.split(' ')[1]),
    ).toEqual(['builder', 'w1.example']);
    expect((await builder.publicClient().getHead({ logId: '' })).checkpoint).toBe(note);
    await pollUntil('the static copy holds the cosigned checkpoint', () => {
      const file = path.join(www, 'logs', logId, 'checkpoint');
      return fs.existsSync(file) && fs.readFileSync(file, 'utf8') === note;
    });
    const state = await pollUntil('w1 no longer failing', async () => {
      const w = await cosigning('w1.example');
      return w.lastError === '' ? w : undefined;
    });
    expect(state.cosignedSize).toBe(5);
    const logs = await runCli(['logs', '--api', builder.api]);
    expect(logs.stdout).toMatch(/cosigned by w1\.example: size 5, last attempt \d+s ago\n/);
    const metrics = await (await fetch(`http://${builder.metrics}/metrics`)).text();
    const labels = { log: 'builder', witness: 'w1.example' };
    expect(sampleValue(metrics, 'tally_publish_witness_cosigned_size', labels)).toBe(5);
    expect(sampleValue(metrics, 'tally_publish_witness_failing', labels)).toBe(0);
    expect(sampleValue(metrics, 'tally_publish_witness_failing', { ...labels, witness: 'bad.example' })).toBe(
      1,
    );
  });

  it('does not serve a cosignature that does not verify', async () => {
    expect(badRequests).toBeGreaterThan(0);
    const note = await servedCheckpoint();
    expect(note).not.toMatch(/\u2014 bad\.example /);
    const state = await cosigning('bad.example');
    expect(state.cosignedSize).toBeUndefined();
    expect(state.lastError).toMatch(/without a cosignature that verifies under its configured key/);
  });

  it('a follower requiring the witness counts the cosigned checkpoints, the next ones too', async () => {
    follower = await startDaemonProcess({
      stateDir: path.join(root, 'follower'),
      config: testConfig(
        `[publish]\nenabled = false\n` +
          `[[witnesses]]\nname = "w1.example"\npublic_key = "${formatPublicKey(w1)}"\n` +
          `[[follow]]\nname = "builder"\npublic_key = "${formatPublicKey(publicKeyOf(logKey))}"\n` +
          `address = "${builder.api}"\norigin = "${ORIGIN}"\npoll_interval_seconds = 1\n` +
          `witnesses = ["w1.example"]\nwitness_quorum = 1\n`,
      ),
    });
    const witnessedSize = async () =>
      (await follower!.publicClient().listLogs({})).logs.find((l) => l.name === 'builder')?.witnessedSize;
    await pollUntil('the follower witnessed size 5', async () => (await witnessedSize()) === 5);
    // Growing from 5: the witness gets the consistency proof from its size.
    for (let i = 0; i < 3; i++) await submit(`up ${i}`);
    await cosignedServed(8);
    await pollUntil('the follower witnessed size 8', async () => (await witnessedSize()) === 8);
  });

  it('keeps the cosignatures across a restart, and learns the witness size from a 409', async () => {
    await follower?.stop();
    follower = undefined;
    await witness!.stop();
    await builder.stop();
    const badPort = (badWitness.address() as AddressInfo).port;
    builder = await startBuilder(badPort);
    // The witness is down: what is served comes from the kept file.
    const note = await servedCheckpoint();
    expect(sizeOf(note)).toBe(8);
    expect(cosignedBy(note, w1).met).toBe(true);

    // Without the kept file the builder starts from old 0; the witness, at 8, answers 409 with 8.
    await builder.stop();
    fs.rmSync(path.join(builderState, 'logs', `${logId}.cosignatures.json`));
    witness = await startWitness(witnessPort);
    builder = await startBuilder(badPort);
    expect(cosignedBy(await servedCheckpoint(), w1).met).toBe(false);
    await cosignedServed(8);
    await submit('after restart');
    await cosignedServed(9);
  });
});
