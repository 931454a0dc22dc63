import { TallyError } from '../errors.js';
import { packageName, type Observation, type PathReport } from '../r13y/index.js';

/*
 * The binary encodings of the r13y index's records (docs/PROTOCOL.md, "Reproducibility report:
 * the index on disk"). Logs are named by a u16 slot the index assigns; integers are big-endian;
 * names and NarHashes are ASCII (store-path names and `sha256:<nix32>` are validated before they
 * get here).
 */

/** Maps log ids to the u16 slots records name them by, and back. */
export interface LogSlots {
  slotOf(logId: string): number;
  logIdOf(slot: number): string;
}

/** No log: `disputedSince` of a path that is not disputed. */
export const NO_SLOT = 0xffff;
const OBSERVATION_BYTES = 2 + 2 + 8 + 8;

export function writeU64(buf: Buffer, at: number, n: number): number {
  buf.writeUInt32BE(Math.floor(n / 2 ** 32), at);
  buf.writeUInt32BE(n >>> 0, at + 4);
  return at + 8;
}

export function readU64(buf: Buffer, at: number): number {
  return buf.readUInt32BE(at) * 2 ** 32 + buf.readUInt32BE(at + 4);
}

export function u64(n: number): Buffer {
  const buf = Buffer.allocUnsafe(8);
  writeU64(buf, 0, n);
  return buf;
}

/**
 * A path report: u8 name length, name; u16 group count, per group the value digest (32 bytes), u8
 * NarHash length, NarHash, u64 NarSize; u16 observation count, per observation (by log id) u16 log
 * slot, u16 group, u64 index, u64 first checkpoint size; u16 slot of `disputedSince` (NO_SLOT if
 * absent; its checkpoint size is that log's observation's).
 */
export function encodePathReport(report: PathReport, slots: LogSlots): Buffer {
  const groups: Observation[] = [];
  const groupOf = report.observations.map((o) => {
    const at = groups.findIndex((g) => g.valueDigest === o.valueDigest);
    return at >= 0 ? at : groups.push(o) - 1;
  });
  let size = 1 + report.name.length + 2 + 2 + 2 + report.observations.length * OBSERVATION_BYTES;
  for (const g of groups) size += 32 + 1 + g.narHash.length + 8;
  const buf = Buffer.allocUnsafe(size);
  let at = 0;
  buf[at++] = report.name.length;
  at += buf.write(report.name, at, 'latin1');
  at = buf.writeUInt16BE(groups.length, at);
  for (const g of groups) {
    at += buf.write(g.valueDigest, at, 'hex');
    buf[at++] = g.narHash.length;
    at += buf.write(g.narHash, at, 'latin1');
    at = writeU64(buf, at, g.narSize);
  }
  at = buf.writeUInt16BE(report.observations.length, at);
  report.observations.forEach((o, i) => {
    at = buf.writeUInt16BE(slots.slotOf(o.logId), at);
    at = buf.writeUInt16BE(groupOf[i]!, at);
    at = writeU64(buf, at, o.index);
    at = writeU64(buf, at, o.firstCheckpointSize);
  });
  buf.writeUInt16BE(report.disputedSince ? slots.slotOf(report.disputedSince.logId) : NO_SLOT, at);
  return buf;
}

export function decodePathReport(hashPart: string, buf: Buffer, slots: LogSlots): PathReport {
  let at = 0;
  const nameLength = buf[at++]!;
  const name = buf.toString('latin1', at, (at += nameLength));
  const groups: { valueDigest: string; narHash: string; narSize: number }[] = [];
  const groupCount = buf.readUInt16BE(at);
  at += 2;
  for (let g = groupCount; g > 0; g--) {
    const valueDigest = buf.toString('hex', at, (at += 32));
    const hashLength = buf[at++]!;
    const narHash = buf.toString('latin1', at, (at += hashLength));
    groups.push({ valueDigest, narHash, narSize: readU64(buf, at) });
    at += 8;
  }
  const observations: Observation[] = [];
  const observationCount = buf.readUInt16BE(at);
  at += 2;
  for (let o = observationCount; o > 0; o--) {
    const logId = slots.logIdOf(buf.readUInt16BE(at));
    const group = groups[buf.readUInt16BE(at + 2)];
    if (group === undefined) throw new TallyError('INTERNAL', `r13y index is corrupt: path ${hashPart}`);
    observations.push({
      logId,
      index: readU64(buf, at + 4),
      ...group,
      firstCheckpointSize: readU64(buf, at + 12),
    });
    at += OBSERVATION_BYTES;
  }
  const report: PathReport = { hashPart, name, packageName: packageName(name), observations };
  const since = buf.readUInt16BE(at);
  if (since !== NO_SLOT) {
    const logId = slots.logIdOf(since);
    const breaking = observations.find((o) => o.logId === logId)!;
    report.disputedSince = { logId, firstCheckpointSize: breaking.firstCheckpointSize };
  }
  return report;
}
