import fs from 'node:fs';
import path from 'node:path';
import { defaultOrigin } from '../../src/checkpoint/log-id.js';
import { splitHashes } from '../../src/crypto/hash-list.js';
import { parseNote } from '../../src/crypto/signed-note.js';
import { addCheckpointBody } from '../fixtures/rfc6962-tree.js';
import type { Publisher } from '../follower/cluster.js';
import { startDaemonProcess, testConfig, type DaemonProcess } from '../helpers/daemon.js';
import { logIdOfPublisher } from '../follower/mirror-cluster.js';

/**
 * Helpers for tests of witnessed logs: a real tally witness daemon, and submitting a real
 * publisher's checkpoints to it as a builder does (learning the witness's size from a 409).
 */

export interface Witness {
  name: string;
  daemon: DaemonProcess;
  /** `name:base64`, as `<state_dir>/keys/witness.public` holds it: a `[[witnesses]] public_key`. */
  publicKey: string;
}

/** A witness daemon named `name` that cosigns the logs of `publishers` ([[witness.log]]). */
export async function startWitness(
  stateDir: string,
  name: string,
  publishers: Publisher[],
): Promise<Witness> {
  const logs = publishers
    .map(
      (p) =>
        `[[witness.log]]\norigin = "${defaultOrigin(logIdOfPublisher(p))}"\npublic_key = "${p.publicKey}"\n`,
    )
    .join('');
  const daemon = await startDaemonProcess({
    stateDir,
    config: testConfig(`[publish]\nenabled = false\n[witness]\nenabled = true\nname = "${name}"\n${logs}`),
  });
  const publicKey = fs.readFileSync(path.join(stateDir, 'keys', 'witness.public'), 'utf8').trim();
  return { name, daemon, publicKey };
}

/** The `[[witnesses]]` tables naming `witnesses` (a Witness, or any name and key). */
export const witnessesConfig = (witnesses: { name: string; publicKey: string }[]): string =>
  witnesses.map((w) => `[[witnesses]]\nname = "${w.name}"\npublic_key = "${w.publicKey}"\n`).join('');

export interface WitnessAnswer {
  status: number;
  type: string;
  text: string;
}

/** One add-checkpoint call: `note` with the consistency proof from `old`, served by `log`'s daemon. */
export async function addCheckpoint(
  witness: Witness,
  log: Publisher,
  note: string,
  old: number,
): Promise<WitnessAnswer> {
  const size = Number(parseNote(note).text.split('\n')[1]);
  let proof: Buffer[] = [];
  if (old > 0 && old < size) {
    const answer = await log.daemon
      .publicClient()
      .getConsistencyProof({ logId: logIdOfPublisher(log), fromSize: old, toSize: size });
    proof = splitHashes(answer.proof);
  }
  const res = await fetch(`http://${witness.daemon.http}/witness/add-checkpoint`, {
    method: 'POST',
    body: addCheckpointBody(old, proof, note),
  });
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
}

/**
 * Submits `note` as a builder does: first with `old 0`; a 409 names the witness's size, and the
 * checkpoint goes again with the proof from it. Every answer, in order (the last is the outcome).
 */
export async function submitToWitness(
  witness: Witness,
  log: Publisher,
  note: string,
): Promise<WitnessAnswer[]> {
  const answers = [await addCheckpoint(witness, log, note, 0)];
  const first = answers[0]!;
  if (first.status === 409 && first.type === 'text/x.tlog.size') {
    answers.push(await addCheckpoint(witness, log, note, Number(first.text)));
  }
  return answers;
}

/** `log`'s latest checkpoint note, cosigned by every witness of `witnesses` (each must answer 200). */
export async function cosignedCheckpoint(log: Publisher, witnesses: Witness[]): Promise<string> {
  const note = await latestNote(log);
  let lines = '';
  for (const witness of witnesses) {
    const outcome = (await submitToWitness(witness, log, note)).at(-1)!;
    if (outcome.status !== 200) {
      throw new Error(`witness ${witness.name} answered ${outcome.status}: ${outcome.text}`);
    }
    lines += outcome.text;
  }
  return note + lines;
}

/** The log's latest checkpoint note as its daemon serves it over HTTP. */
export async function latestNote(log: Publisher): Promise<string> {
  const res = await fetch(`http://${log.daemon.http}/logs/${logIdOfPublisher(log)}/checkpoint`);
  if (res.status !== 200) throw new Error(`checkpoint of ${log.name}: HTTP ${res.status}`);
  return res.text();
}

/** The cosignature line of `name` on a cosigned note. */
export function cosignatureLineOf(note: string, name: string): string {
  const line = note.split(/(?<=\n)/).find((l) => l.startsWith(`\u2014 ${name} `));
  if (line === undefined) throw new Error(`no line by ${name} in the note`);
  return line;
}
