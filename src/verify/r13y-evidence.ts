import { verifyCheckpoint } from '../checkpoint/checkpoint.js';
import { logIdOf } from '../checkpoint/log-id.js';
import { parsePublicKey, type PublicKey } from '../crypto/ed25519-keys.js';
import { packHashes } from '../crypto/hash-list.js';
import { sha256 } from '../crypto/sha256.js';
import { VerificationError } from '../errors.js';
import { encodeLeaf, hashLeaf, verifyInclusion } from '../log/index.js';
import { decodeNixValue, keyFromHashPart, parseStorePath } from '../nix/index.js';
import { groupsOf, isDisputed, type Group, type Observation, type PathReport } from '../r13y/index.js';

/**
 * What one log committed to for a store path, as the daemon serves it from its mirror
 * (`/r13y/paths/<hashPart>/evidence.json`, docs/PROTOCOL.md "Reproducibility report: evidence for a dispute"). Untrusted:
 * `verifyR13yEvidence` checks every field.
 */
export interface LogEvidence {
  logId: string;
  /** The log's key, "name:base64"; bound to `logId` by the log-ID rule. */
  publicKey: string;
  /** The signed checkpoint note the proof is against. */
  checkpoint: string;
  index: number;
  /** Lowercase hex. */
  key: string;
  valueDigest: string;
  /** Lowercase hex hashes, leaf to root. */
  inclusionProof: string[];
  /** The logged value, standard base64. */
  value: string;
}

export interface R13yEvidence {
  hashPart: string;
  name: string;
  logs: LogEvidence[];
}

/** The evidence once verified: the groups recomputed from the proven values. */
export interface VerifiedR13yEvidence {
  hashPart: string;
  name: string;
  disputed: boolean;
  groups: Group[];
  logs: {
    logId: string;
    keyName: string;
    checkpointSize: number;
    index: number;
    narHash: string;
    narSize: number;
  }[];
}

const HEX = /^([0-9a-f]{2})+$/;

function hexField(value: unknown, what: string, bytes?: number): Buffer {
  if (typeof value !== 'string' || !HEX.test(value) || (bytes !== undefined && value.length !== bytes * 2)) {
    throw new VerificationError(
      `${what} is not ${bytes === undefined ? '' : `${bytes} bytes of `}lowercase hex`,
    );
  }
  return Buffer.from(value, 'hex');
}

/**
 * Verifies the evidence of a path without trusting whoever served it: for each log, the
 * checkpoint's signature by the log's key (and the key against the log ID, or against `trusted`
 * keys when given), the entry's key against the path's hash part, the value against its digest,
 * and the leaf's inclusion in the signed tree. Throws VerificationError at the first failure.
 */
export function verifyR13yEvidence(
  evidence: R13yEvidence,
  trusted?: readonly PublicKey[],
): VerifiedR13yEvidence {
  if (typeof evidence !== 'object' || evidence === null || !Array.isArray(evidence.logs)) {
    throw new VerificationError('evidence must be an object with a logs array');
  }
  if (typeof evidence.hashPart !== 'string' || typeof evidence.name !== 'string') {
    throw new VerificationError('evidence must name the path: hashPart and name');
  }
  const expectedKey = keyFromHashPart(evidence.hashPart);
  const seen = new Set<string>();
  const observations: Observation[] = [];
  const logs: VerifiedR13yEvidence['logs'] = [];
  for (const item of evidence.logs) {
    const where = `log ${String(item.logId)}`;
    if (seen.has(item.logId)) throw new VerificationError(`${where} appears twice`);
    seen.add(item.logId);
    let publicKey: PublicKey;
    try {
      publicKey = parsePublicKey(String(item.publicKey));
    } catch (err) {
      throw new VerificationError(`${where}: public key: ${(err as Error).message}`);
    }
    if (trusted !== undefined) {
      if (!trusted.some((k) => Buffer.from(k.publicKey).equals(publicKey.publicKey))) {
        throw new VerificationError(`${where}: its key ${publicKey.name} is not one of the trusted keys`);
      }
    } else if (logIdOf(publicKey) !== item.logId) {
      throw new VerificationError(`${where}: the key ${publicKey.name} does not give this log ID`);
    }
    const checkpoint = verifyCheckpoint(String(item.checkpoint), publicKey);
    const key = hexField(item.key, `${where}: key`);
    if (!key.equals(expectedKey))
      throw new VerificationError(`${where}: the entry's key is not ${evidence.hashPart}'s`);
    const digest = hexField(item.valueDigest, `${where}: valueDigest`, 32);
    const value = Buffer.from(String(item.value), 'base64');
    if (!sha256(value).equals(digest))
      throw new VerificationError(`${where}: the value does not hash to valueDigest`);
    if (!Number.isSafeInteger(item.index) || item.index < 0 || item.index >= checkpoint.size) {
      throw new VerificationError(
        `${where}: index ${String(item.index)} is not below the checkpoint's size ${checkpoint.size}`,
      );
    }
    if (!Array.isArray(item.inclusionProof))
      throw new VerificationError(`${where}: inclusionProof must be an array`);
    const proof = packHashes(
      item.inclusionProof.map((h, i) => hexField(h, `${where}: inclusionProof[${i}]`, 32)),
    );
    try {
      verifyInclusion(
        hashLeaf(encodeLeaf(key, digest)),
        item.index,
        checkpoint.size,
        proof,
        checkpoint.logRoot,
      );
    } catch (err) {
      throw new VerificationError(`${where}: ${(err as Error).message}`);
    }
    let output;
    try {
      output = decodeNixValue(value);
    } catch (err) {
      throw new VerificationError(`${where}: the value is not a Nix output: ${(err as Error).message}`);
    }
    const storePath = parseStorePath(output.storePath);
    if (storePath.hashPart !== evidence.hashPart || storePath.name !== evidence.name) {
      throw new VerificationError(
        `${where}: the value is for ${output.storePath}, not ${evidence.hashPart}-${evidence.name}`,
      );
    }
    observations.push({
      logId: item.logId,
      index: item.index,
      valueDigest: digest.toString('hex'),
      narHash: output.narHash,
      narSize: output.narSize,
      firstCheckpointSize: checkpoint.size,
    });
    logs.push({
      logId: item.logId,
      keyName: publicKey.name,
      checkpointSize: checkpoint.size,
      index: item.index,
      narHash: output.narHash,
      narSize: output.narSize,
    });
  }
  if (observations.length === 0) throw new VerificationError('evidence holds no log');
  const report: PathReport = {
    hashPart: evidence.hashPart,
    name: evidence.name,
    packageName: '',
    observations: observations.sort((a, b) => (a.logId < b.logId ? -1 : 1)),
  };
  return {
    hashPart: evidence.hashPart,
    name: evidence.name,
    disputed: isDisputed(report),
    groups: groupsOf(report),
    logs,
  };
}
