import type { PathReport } from './path-report.js';
import { isDisputed } from './path-report.js';

/** Counts over paths logged by at least two logs, for one package name or overall. */
export interface AgreementCounts {
  agreeing: number;
  disputed: number;
}

/** How often two logs logged the same path, and how often they logged different values for it. */
export interface PairCounts {
  shared: number;
  disagreeing: number;
}

/**
 * The report's running totals, kept up to date by `applyChange` as paths change so that no request
 * recomputes them. Plain data: the index persists it as JSON.
 */
export interface Tally {
  /** Paths at least one log holds. */
  paths: number;
  overall: AgreementCounts;
  byPackage: Record<string, AgreementCounts>;
  /** Keyed by `pairKey(a, b)`. */
  byPair: Record<string, PairCounts>;
}

export function emptyTally(): Tally {
  return { paths: 0, overall: { agreeing: 0, disputed: 0 }, byPackage: {}, byPair: {} };
}

const PAIR_SEPARATOR = '\n';

/** The key of a log pair, the two ids in order (a log id never holds a newline). */
export function pairKey(a: string, b: string): string {
  return a < b ? a + PAIR_SEPARATOR + b : b + PAIR_SEPARATOR + a;
}

export function pairOfKey(key: string): [string, string] {
  const at = key.indexOf(PAIR_SEPARATOR);
  return [key.slice(0, at), key.slice(at + 1)];
}

function count(tally: Tally, report: PathReport, sign: 1 | -1): void {
  tally.paths += sign;
  const obs = report.observations;
  if (obs.length < 2) return;
  const field = isDisputed(report) ? 'disputed' : 'agreeing';
  tally.overall[field] += sign;
  const pkg = (tally.byPackage[report.packageName] ??= { agreeing: 0, disputed: 0 });
  pkg[field] += sign;
  if (pkg.agreeing === 0 && pkg.disputed === 0) delete tally.byPackage[report.packageName];
  for (let i = 0; i < obs.length; i++) {
    for (let j = i + 1; j < obs.length; j++) {
      const key = pairKey(obs[i]!.logId, obs[j]!.logId);
      const pair = (tally.byPair[key] ??= { shared: 0, disagreeing: 0 });
      pair.shared += sign;
      if (obs[i]!.valueDigest !== obs[j]!.valueDigest) pair.disagreeing += sign;
      if (pair.shared === 0) delete tally.byPair[key];
    }
  }
}

/** Updates `tally` in place for a path that changed from `before` (absent if new) to `after`. */
export function applyChange(tally: Tally, before: PathReport | undefined, after: PathReport): void {
  if (before !== undefined) count(tally, before, -1);
  count(tally, after, 1);
}
