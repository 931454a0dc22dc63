/** What must be up before the daemon is ready, in the order it comes up. */
export const READINESS_CHECKS = ['storage', 'listeners'] as const;
export type ReadinessCheck = (typeof READINESS_CHECKS)[number];

/** The daemon's readiness, set by its start and stop sequence and read by /healthz. */
export class Readiness {
  private readonly up = new Set<ReadinessCheck>();

  set(check: ReadinessCheck, isUp: boolean): void {
    if (isUp) this.up.add(check);
    else this.up.delete(check);
  }

  /** The checks that are not up, in READINESS_CHECKS order; empty when ready. */
  notReady(): ReadinessCheck[] {
    return READINESS_CHECKS.filter((check) => !this.up.has(check));
  }
}
