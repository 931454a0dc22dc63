import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateSecretKey, publicKeyOf, type SecretKey } from '../../src/crypto/ed25519-keys.js';
import { parseNote, signNote } from '../../src/crypto/signed-note.js';
import { InvalidArgumentError, VerificationError } from '../../src/errors.js';
import {
  addCosignatures,
  assertWitnessQuorum,
  checkWitnessQuorum,
  cosignatureKeyId,
  cosignatureLine,
  cosignatureMessage,
  formatWitnessVerifierKey,
  parseWitnessKey,
  sortSignatures,
  verifyCosignature,
  witnessedCheckpoint,
  type QuorumCheck,
  type VerifiedCosignature,
  type WitnessQuorum,
} from '../../src/witness/index.js';
import { specCosign, specKeyPair } from './spec-verifier.js';

// c2sp.org/tlog-cosignature, "Format" and "Ed25519 signed message" (example checkpoint and line).
const SPEC_BODY = 'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n';
const SPEC_LOG_LINE =
  '— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n';
const SPEC_COSIGNATURE_LINE =
  '— witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n';
const SPEC_MESSAGE =
  'cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n';
// c2sp.org/tlog-witness, the example add-checkpoint answer: filler bytes whose timestamps exceed 2^63-1.
const SPEC_WITNESS_ANSWER_LINE =
  '— witness.example/w1 CMp+6LWBU0anHGH5aNDTJkH/gj79sG+T6+iP2ThYN5krrDJbR1HDnucjL39QsZTSvVjyQLrdk3DXDqI5G2HgLatVs0pWh6Up69HVOw==\n';
// transparency-dev/formats note_cosigv1_test.go (Apache-2.0): a native 0x04 vkey, and a
// cosignature whose timestamp is 1727964367 (only the strings are copied).
const TD_VKEY = 'remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2';
const TD_COSIGNATURE =
  'ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOworDcFiEBYJXORmnFBOBA==';

const BODY =
  'tally.log/0123456789abcdef\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\nmap-root CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n';

function nodeKeyPair(name: string): { key: SecretKey; privateKey: crypto.KeyObject; raw: Buffer } {
  const { privateKey, raw } = specKeyPair();
  const seed = privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(-32);
  return {
    key: { name, secretKey: new Uint8Array(Buffer.concat([seed, raw])), publicKey: new Uint8Array(raw) },
    privateKey,
    raw,
  };
}

describe('spec known answers', () => {
  it('builds the signed message of the tlog-cosignature example byte for byte', () => {
    expect(cosignatureMessage(SPEC_BODY, 1679315147).toString('utf8')).toBe(SPEC_MESSAGE);
  });

  it("reads the example cosignature line: key ID, then the timestamp of the example's time line", () => {
    const note = parseNote(`${SPEC_BODY}\n${SPEC_LOG_LINE}${SPEC_COSIGNATURE_LINE}`);
    const line = note.signatures[1]!;
    expect(line.name).toBe('witness.example.com/w1');
    expect(line.keyId.toString(16)).toBe('8d66cf3f');
    expect(line.signature.length).toBe(8 + 64);
    expect(line.signature.readBigUInt64BE(0)).toBe(1679315147n);
  });

  it('parses a native 0x04 vkey, whose key ID is SHA-256(name || "\\n" || 0x04 || key)[:4]', () => {
    const key = parseWitnessKey(TD_VKEY);
    expect(key.name).toBe('remora.n621.de');
    expect(cosignatureKeyId(key.name, key.publicKey).toString(16)).toBe('da77ade7');
    expect(formatWitnessVerifierKey(key)).toBe(TD_VKEY);
  });

  it('reads the timestamp of the transparency-dev cosignature', () => {
    expect(Buffer.from(TD_COSIGNATURE, 'base64').readBigUInt64BE(4)).toBe(1727964367n);
  });

  it('never accepts a timestamp above 2^63-1, as in the tlog-witness example answer', () => {
    const [line] = parseNote(`${SPEC_BODY}\n${SPEC_WITNESS_ANSWER_LINE}`).signatures;
    expect(line!.signature.readBigUInt64BE(0) > 2n ** 63n - 1n).toBe(true);
    // Even a key that claimed that name and key ID would not make it valid.
    const key = { name: line!.name, publicKey: new Uint8Array(32) };
    expect(verifyCosignature(SPEC_BODY, line!, key)).toBeUndefined();
    expect(() => cosignatureMessage(SPEC_BODY, 2n ** 63n)).toThrow(InvalidArgumentError);
  });
});

describe('cross-check with a cosigner written from the spec alone', () => {
  const { key, privateKey, raw } = nodeKeyPair('w1.example');

  it('tally verifies what the spec cosigner signs, and the spec verifier accepts what tally signs', () => {
    const line = specCosign('w1.example', privateKey, raw, BODY, 1700000000);
    const [signature] = parseNote(`${BODY}\n${line}`).signatures;
    expect(verifyCosignature(BODY, signature!, publicKeyOf(key))).toEqual({
      name: 'w1.example',
      timestamp: 1700000000,
    });
    expect(cosignatureLine(BODY, key, 1700000000)).toBe(line); // Ed25519 is deterministic

    const ours = Buffer.from(cosignatureLine(BODY, key, 1234).trimEnd().split(' ')[2]!, 'base64');
    const message = Buffer.from(`cosignature/v1\ntime ${ours.readBigUInt64BE(4)}\n${BODY}`);
    expect(
      crypto.verify(
        null,
        message,
        crypto.createPublicKey({
          key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), raw]),
          format: 'der',
          type: 'spki',
        }),
        ours.subarray(12),
      ),
    ).toBe(true);
  });

  it('refuses a tampered cosignature, a changed body, and a plain note signature by the same key', () => {
    const line = specCosign('w1.example', privateKey, raw, BODY, 1700000000);
    const [signature] = parseNote(`${BODY}\n${line}`).signatures;
    const tampered = { ...signature!, signature: Buffer.from(signature!.signature) };
    tampered.signature[7] = tampered.signature[7]! ^ 1; // the timestamp's low byte: the time line changes
    expect(verifyCosignature(BODY, tampered, publicKeyOf(key))).toBeUndefined();
    expect(verifyCosignature(BODY.replace('\n5\n', '\n6\n'), signature!, publicKeyOf(key))).toBeUndefined();
    // A log-style (0x01) signature has another key ID: it is not a cosignature at all.
    const [plain] = parseNote(signNote(BODY, key)).signatures;
    expect(verifyCosignature(BODY, plain!, publicKeyOf(key))).toBeUndefined();
  });
});

describe('witness keys', () => {
  it('reads key files (`name:base64`), with a "/" in the name, and refuses bad ones by name', () => {
    const key = generateSecretKey('w1.example');
    const text = `witness.example.com/w1:${Buffer.from(key.publicKey).toString('base64')}\n`;
    expect(parseWitnessKey(text).name).toBe('witness.example.com/w1');
    expect(() => parseWitnessKey('w1.example:AAAA')).toThrow(/32-byte/);
    expect(() => parseWitnessKey('w 1:' + Buffer.alloc(32).toString('base64'))).toThrow(
      /invalid witness name/,
    );
    expect(() => parseWitnessKey(TD_VKEY.replace('da77ade7', 'da77ade8'))).toThrow(/does not match/);
    for (let i = 0; i < 20; i++) {
      const vkey = formatWitnessVerifierKey(publicKeyOf(generateSecretKey('w1.example')));
      expect(formatWitnessVerifierKey(parseWitnessKey(vkey))).toBe(vkey); // "+" in the base64 too
    }
    expect(() => parseWitnessKey('TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6')).toThrow(
      /signature type 0x01, expected 0x04/,
    );
  });
});

describe('quorum', () => {
  const log = generateSecretKey('builder-1');
  const witnesses = ['w1.example', 'w2.example', 'w3.example'].map((name) => generateSecretKey(name));
  const listed = witnesses.map(publicKeyOf);
  const note = signNote(BODY, log);

  function cosigned(by: SecretKey[], time = 1700000000): string {
    return note + by.map((w) => cosignatureLine(BODY, w, time)).join('');
  }

  it('counts only valid cosignatures by listed witnesses, each once', () => {
    const stranger = generateSecretKey('w4.example');
    const text = cosigned([witnesses[0]!, witnesses[0]!, stranger]);
    const check: QuorumCheck = checkWitnessQuorum(text, { witnesses: listed, quorum: 2 });
    expect(check.met).toBe(false);
    expect(check.cosignedBy.map((c) => c.name)).toEqual(['w1.example']);
    expect(check.reason).toMatch(/1 of 3 listed witnesses cosigned \(w1\.example\), quorum 2/);
    expect(checkWitnessQuorum(cosigned(witnesses.slice(0, 2)), { witnesses: listed, quorum: 2 }).met).toBe(
      true,
    );
    expect(checkWitnessQuorum(note, { witnesses: listed, quorum: 0 }).met).toBe(true);
  });

  it('reports a listed witness whose line does not verify, and future timestamps when asked', () => {
    const forged = note + cosignatureLine(BODY.replace('\n5\n', '\n4\n'), witnesses[1]!, 5);
    const check = checkWitnessQuorum(forged, { witnesses: listed, quorum: 1 });
    expect(check.met).toBe(false);
    expect(check.failed).toEqual([{ name: 'w2.example', reason: 'the cosignature does not verify' }]);
    const future = witnessedCheckpoint(cosigned([witnesses[2]!], 2000), listed, { notAfter: 1999 });
    expect(future.cosignedBy).toEqual([]);
    expect(future.failed[0]!.reason).toMatch(/future/);
  });

  it('refuses a quorum larger than the list, and a witness listed twice', () => {
    const twice: WitnessQuorum = { witnesses: [listed[0]!, listed[0]!], quorum: 1 };
    expect(() => assertWitnessQuorum(twice)).toThrow(/listed twice/);
    expect(() => assertWitnessQuorum({ witnesses: listed, quorum: -1 })).toThrow(/0\.\.3/);
    expect(() => checkWitnessQuorum(note, { witnesses: listed, quorum: 4 })).toThrow(/0\.\.3/);
    expect(() => checkWitnessQuorum(note, { witnesses: [listed[0]!, listed[0]!], quorum: 1 })).toThrow(
      /twice/,
    );
  });

  it('sorts a note into the log signature, cosignatures and unknown lines', () => {
    const other = generateSecretKey('someone');
    const otherLine = signNote(BODY, other).split('\n\n')[1]!;
    const sorted = sortSignatures(cosigned([witnesses[0]!]) + otherLine, [publicKeyOf(log)], listed);
    expect(sorted.log.map((s) => s.name)).toEqual(['builder-1']);
    expect(sorted.cosignatures.map((c) => c.witness.name)).toEqual(['w1.example']);
    expect(sorted.unknown.map((s) => s.name)).toEqual(['someone']);
  });

  it("merges a witness's answer into the note, keeping only its valid lines and replacing older ones", () => {
    const w1 = witnesses[0]!;
    const first = addCosignatures(note, cosignatureLine(BODY, w1, 10), publicKeyOf(w1));
    const answer = cosignatureLine(BODY, w1, 20) + cosignatureLine(BODY, witnesses[1]!, 20);
    const merged = addCosignatures(first, answer, publicKeyOf(w1));
    expect(parseNote(merged).signatures.map((s) => s.name)).toEqual(['builder-1', 'w1.example']);
    const expected: VerifiedCosignature[] = [{ name: 'w1.example', timestamp: 20 }];
    expect(witnessedCheckpoint(merged, listed).cosignedBy).toEqual(expected);
    expect(() => addCosignatures(note, cosignatureLine(BODY, witnesses[1]!, 1), publicKeyOf(w1))).toThrow(
      VerificationError,
    );
  });
});
