import type { AgreementCounts, Tally } from './tally.js';
import { pairOfKey } from './tally.js';

export interface PackageSummary extends AgreementCounts {
  name: string;
}

export interface PairSummary {
  logs: [string, string];
  shared: number;
  disagreeing: number;
}

/** The report's summary, the shape of `/r13y.json` and `tally r13y --json` (docs/PROTOCOL.md). */
export interface Summary {
  paths: number;
  /** Paths logged by at least two logs. */
  shared: number;
  agreeing: number;
  disputed: number;
  /** agreeing / shared, or null when no path is shared. */
  agreeShare: number | null;
  /** Most disputed first, then by name. */
  byPackage: PackageSummary[];
  /** Most disagreeing first, then by log ids. */
  byLogPair: PairSummary[];
}

export function summarize(tally: Tally, packageLimit = Infinity): Summary {
  const { agreeing, disputed } = tally.overall;
  const shared = agreeing + disputed;
  const byPackage = (packageLimit === 0 ? [] : Object.entries(tally.byPackage))
    .map(([name, c]) => ({ name, agreeing: c.agreeing, disputed: c.disputed }))
    .sort((a, b) => b.disputed - a.disputed || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .slice(0, packageLimit);
  const byLogPair = Object.entries(tally.byPair)
    .map(([key, c]) => ({ logs: pairOfKey(key), shared: c.shared, disagreeing: c.disagreeing }))
    .sort((a, b) => b.disagreeing - a.disagreeing || (a.logs.join() < b.logs.join() ? -1 : 1));
  return {
    paths: tally.paths,
    shared,
    agreeing,
    disputed,
    agreeShare: shared === 0 ? null : agreeing / shared,
    byPackage,
    byLogPair,
  };
}
