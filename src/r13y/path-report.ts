import { packageName } from './package-name.js';

/** What one log logged for one store path: the value's digest and the fields builders must agree on. */
export interface Observation {
  logId: string;
  /** The leaf's index in that log. */
  index: number;
  /** Hex SHA-256 of the logged value: logs agree bit for bit when these are equal. */
  valueDigest: string;
  narHash: string;
  narSize: number;
  /** The size of the first checkpoint of that log that included the entry. */
  firstCheckpointSize: number;
}

/** Logs that logged the same value for a path. */
export interface Group {
  valueDigest: string;
  narHash: string;
  narSize: number;
  logs: string[];
}

/** Everything the report knows about one store path. */
export interface PathReport {
  hashPart: string;
  name: string;
  packageName: string;
  /** One per log, sorted by log id. */
  observations: Observation[];
  /** When the path first became disputed: the observation that broke agreement, or absent. */
  disputedSince?: { logId: string; firstCheckpointSize: number };
}

/** Groups of a path's observations by value, largest first (ties by value digest). */
export function groupsOf(report: PathReport): Group[] {
  const byDigest = new Map<string, Group>();
  for (const o of report.observations) {
    let group = byDigest.get(o.valueDigest);
    if (group === undefined) {
      group = { valueDigest: o.valueDigest, narHash: o.narHash, narSize: o.narSize, logs: [] };
      byDigest.set(o.valueDigest, group);
    }
    group.logs.push(o.logId);
  }
  return [...byDigest.values()].sort(
    (a, b) => b.logs.length - a.logs.length || (a.valueDigest < b.valueDigest ? -1 : 1),
  );
}

/** A path is in dispute when two of its logs logged different values. */
export function isDisputed(report: PathReport): boolean {
  const first = report.observations[0]?.valueDigest;
  return report.observations.some((o) => o.valueDigest !== first);
}

/**
 * The report with one more observation. A log's second observation of a path is ignored: a log
 * holds each key once (the audit rejects a log that does not), so only a replay repeats it.
 */
export function withObservation(
  report: PathReport | undefined,
  hashPart: string,
  name: string,
  observation: Observation,
): PathReport {
  const base: PathReport = report ?? { hashPart, name, packageName: packageName(name), observations: [] };
  if (base.observations.some((o) => o.logId === observation.logId)) return base;
  const observations = [...base.observations, observation].sort((a, b) => (a.logId < b.logId ? -1 : 1));
  const next: PathReport = { ...base, observations };
  if (next.disputedSince === undefined && isDisputed(next)) {
    next.disputedSince = { logId: observation.logId, firstCheckpointSize: observation.firstCheckpointSize };
  }
  return next;
}
