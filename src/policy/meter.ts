/**
 * The one private fengari instance, and the slot that routes its resource use to the budget of
 * the evaluation that is running. Evaluations are synchronous, so at most one budget is active;
 * outside evaluations (fengari's own module setup) nothing is metered.
 */
import type { Budget } from './budget.js';
import { loadMeteredFengari, type FengariMeter } from './metered-fengari.js';

let active: Budget | null = null;

export const meter: FengariMeter & {
  charge(units: number): void;
  instructionsRan(count: number): void;
  rethrowIfStopped(): void;
  recordNativeError(error: unknown): void;
} = {
  allocate: (bytes) => active?.allocate(bytes),
  patternStep: () => active?.patternStep(),
  charge: (units) => active?.charge(units),
  instructionsRan: (count) => active?.instructionsRan(count),
  rethrowIfStopped: () => active?.rethrowIfStopped(),
  recordNativeError: (error) => active?.recordNativeError(error),
};

export const fengari = loadMeteredFengari(meter);

/** Runs `body` with `budget` receiving every charge; restores the previous budget afterwards. */
export function withBudget<T>(budget: Budget, body: () => T): T {
  const previous = active;
  active = budget;
  try {
    return body();
  } finally {
    active = previous;
  }
}
