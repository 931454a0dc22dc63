/**
 * Upstreams caught serving bad bytes (a NAR whose hash is not the decided one) are set aside for a
 * while: requests prefer the others. They stay usable as a last resort, since every NAR is
 * verified anyway and a bad one is aborted, never delivered.
 */
export class UpstreamHealth {
  private readonly badUntil = new Map<string, number>();

  constructor(
    private readonly penaltyMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  markBad(upstream: string): void {
    this.badUntil.set(upstream, this.now() + this.penaltyMs);
  }

  isBad(upstream: string): boolean {
    const until = this.badUntil.get(upstream);
    if (until === undefined) return false;
    if (until > this.now()) return true;
    this.badUntil.delete(upstream);
    return false;
  }

  /** Healthy upstreams first, each group in the given preference order. */
  order(upstreams: readonly string[]): string[] {
    const good = upstreams.filter((u) => !this.isBad(u));
    const bad = upstreams.filter((u) => this.isBad(u));
    return [...good, ...bad];
  }
}
