/**
 * Why an upstream was set aside. `bad_nar`: it served bytes that do not hash to the decided
 * NarHash (or broke a transfer off); `unreachable`: a timeout, a refused or reset connection, an
 * HTTP error status.
 */
export type SetAsideCause = 'bad_nar' | 'unreachable';

export interface SetAside {
  upstream: string;
  cause: SetAsideCause;
  /** What went wrong, as the request that saw it put it. */
  why: string;
  /** How long it is set aside before it is probed (unreachable) or preferred again (bad NAR). */
  forMs: number;
}

export interface UpstreamHealthOptions {
  /** How long an upstream that served a bad NAR is set aside. */
  badNarMs: number;
  /** How long an unreachable upstream is set aside first; doubled after each failed probe. */
  unreachableMs: number;
  /** The longest an unreachable upstream is set aside between probes. */
  unreachableMaxMs: number;
  /**
   * Resolves when the upstream answers again (e.g. its nix-cache-info), rejects with why not. Run
   * when an unreachable upstream's time is up; until it resolves, requests do not wait for it.
   */
  probe?: (upstream: string) => Promise<void>;
  /** Told of every upstream set aside (to log and count it). */
  onSetAside?: (event: SetAside) => void;
  /** Told when a probe finds a set-aside upstream answering again. */
  onRecovered?: (upstream: string) => void;
  now?: () => number;
}

interface Unreachable {
  /** Failed probes since it was first set aside: the next wait is unreachableMs * 2^failures. */
  failures: number;
  /** Until when requests skip it (then it is probed). */
  untilMs: number;
  probing: boolean;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Which agreeing upstreams a request tries, and in what order: a circuit breaker per upstream.
 *
 * An upstream that timed out or failed to connect is *unreachable*: requests skip it, so none of
 * them waits for its timeout again. When its time is up it is probed (`probe`), and only a probe
 * that succeeds brings it back; each failed probe doubles the wait, up to `unreachableMaxMs`.
 *
 * An upstream caught serving a bad NAR is tried after the others for a while. It stays usable as
 * a last resort, since every NAR is verified anyway and a bad one is aborted, never delivered.
 *
 * An upstream seen *slow* (a request to it outlived the hedge delay, see upstream-narinfo.ts) is
 * tried after the prompt ones until it answers something: the first sign of a hang, long before
 * its timeout.
 */
export class UpstreamHealth {
  private readonly badNarUntil = new Map<string, number>();
  private readonly unreachable = new Map<string, Unreachable>();
  private readonly slow = new Set<string>();
  private readonly now: () => number;
  private closed = false;

  constructor(private readonly options: UpstreamHealthOptions) {
    this.now = options.now ?? Date.now;
  }

  markBad(upstream: string, why: string): void {
    this.badNarUntil.set(upstream, this.now() + this.options.badNarMs);
    this.options.onSetAside?.({ upstream, cause: 'bad_nar', why, forMs: this.options.badNarMs });
  }

  /** A timeout or connection failure: requests skip `upstream` until a probe finds it answering. */
  markUnreachable(upstream: string, why: string): void {
    this.slow.delete(upstream);
    if (this.unreachable.has(upstream) || this.closed) return; // already set aside; its probe decides
    this.setAsideUnreachable(upstream, { failures: 0, untilMs: 0, probing: false, timer: undefined }, why);
  }

  /** A request to `upstream` has outlived the hedge delay: prefer the others meanwhile. */
  markSlow(upstream: string): void {
    this.slow.add(upstream);
  }

  /** `upstream` answered (whatever it answered: a 404 is an answer). */
  markAnswered(upstream: string): void {
    this.slow.delete(upstream);
  }

  isBad(upstream: string): boolean {
    const until = this.badNarUntil.get(upstream);
    if (until === undefined) return false;
    if (until > this.now()) return true;
    this.badNarUntil.delete(upstream);
    return false;
  }

  /** Neither set aside nor seen slow. */
  isPreferred(upstream: string): boolean {
    return !this.unreachable.has(upstream) && !this.slow.has(upstream) && !this.isBad(upstream);
  }

  /** Why requests skip `upstream` now, or undefined when they may try it. */
  skipReason(upstream: string): string | undefined {
    const state = this.unreachable.get(upstream);
    if (state === undefined) return undefined;
    const inMs = Math.max(0, state.untilMs - this.now());
    return state.probing || inMs === 0
      ? 'set aside as unreachable, being probed'
      : `set aside as unreachable, probed again in ${Math.ceil(inMs / 1000)} s`;
  }

  /**
   * The upstreams a request may try, best first (prompt and healthy, then slow, then those that
   * served a bad NAR, each group in the given order), and those it must skip, with why.
   */
  order(upstreams: readonly string[]): { usable: string[]; skipped: string[] } {
    const prompt: string[] = [];
    const slow: string[] = [];
    const bad: string[] = [];
    const skipped: string[] = [];
    for (const u of upstreams) {
      if (this.unreachable.has(u)) skipped.push(u);
      else if (this.isBad(u)) bad.push(u);
      else if (this.slow.has(u)) slow.push(u);
      else prompt.push(u);
    }
    return { usable: [...prompt, ...slow, ...bad], skipped };
  }

  /** How many upstreams are set aside now, by cause (for a gauge). */
  countSetAside(): Record<SetAsideCause, number> {
    let badNar = 0;
    for (const u of this.badNarUntil.keys()) if (this.isBad(u)) badNar++;
    return { bad_nar: badNar, unreachable: this.unreachable.size };
  }

  /** Stops the probe timers. */
  close(): void {
    this.closed = true;
    for (const state of this.unreachable.values()) clearTimeout(state.timer);
  }

  private setAsideUnreachable(upstream: string, state: Unreachable, why: string): void {
    const forMs = Math.min(this.options.unreachableMs * 2 ** state.failures, this.options.unreachableMaxMs);
    state.untilMs = this.now() + forMs;
    state.probing = false;
    this.unreachable.set(upstream, state);
    this.options.onSetAside?.({ upstream, cause: 'unreachable', why, forMs });
    const probe = this.options.probe;
    if (probe === undefined) {
      // No prober: the time being up is enough to try it again.
      state.timer = setTimeout(() => this.unreachable.delete(upstream), forMs);
    } else {
      state.timer = setTimeout(() => this.runProbe(upstream, state, probe), forMs);
    }
    state.timer.unref();
  }

  private runProbe(upstream: string, state: Unreachable, probe: (u: string) => Promise<void>): void {
    if (this.closed) return;
    state.probing = true;
    probe(upstream).then(
      () => {
        if (this.closed) return;
        this.unreachable.delete(upstream);
        this.options.onRecovered?.(upstream);
      },
      (e: unknown) => {
        if (this.closed) return;
        state.failures++;
        this.setAsideUnreachable(upstream, state, `probe failed: ${(e as Error).message}`);
      },
    );
  }
}
