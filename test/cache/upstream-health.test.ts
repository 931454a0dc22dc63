import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { UpstreamHealth, type SetAside } from '../../src/cache/upstream-health.js';

describe('upstream health (circuit breaker)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('skips an unreachable upstream, doubles the wait after each failed probe, and takes it back after one that succeeds', async () => {
    const events: SetAside[] = [];
    const recovered: string[] = [];
    let answering = false;
    const probed: string[] = [];
    const health = new UpstreamHealth({
      badNarMs: 60_000,
      unreachableMs: 1_000,
      unreachableMaxMs: 3_000,
      probe: async (u) => {
        probed.push(u);
        if (!answering) throw new Error('no answer within 10 ms');
      },
      onSetAside: (e) => events.push(e),
      onRecovered: (u) => recovered.push(u),
      now: () => Date.now(),
    });
    expect(health.order(['a', 'b'])).toEqual({ usable: ['a', 'b'], skipped: [] });
    health.markUnreachable('a', 'no complete answer within 10000 ms');
    health.markUnreachable('a', 'a second request timed out meanwhile'); // no second event
    expect(health.order(['a', 'b'])).toEqual({ usable: ['b'], skipped: ['a'] });
    expect(health.countSetAside()).toEqual({ bad_nar: 0, unreachable: 1 });

    for (let i = 0; i < 3; i++) await vi.advanceTimersByTimeAsync(events.at(-1)!.forMs);
    expect(probed).toEqual(['a', 'a', 'a']);
    expect(events.map((e) => [e.cause, e.forMs])).toEqual([
      ['unreachable', 1_000],
      ['unreachable', 2_000],
      ['unreachable', 3_000], // 4,000 capped
      ['unreachable', 3_000],
    ]);
    expect(events[1]!.why).toBe('probe failed: no answer within 10 ms');
    expect(health.order(['a', 'b']).skipped).toEqual(['a']);

    answering = true;
    await vi.advanceTimersByTimeAsync(3_000);
    expect(recovered).toEqual(['a']);
    expect(health.order(['a', 'b'])).toEqual({ usable: ['a', 'b'], skipped: [] });
    health.close();
  });

  it('tries a slow upstream, then one that served a bad NAR, after the prompt ones', () => {
    const health = new UpstreamHealth({ badNarMs: 1_000, unreachableMs: 1_000, unreachableMaxMs: 1_000 });
    health.markBad('a', 'NAR hash mismatch');
    health.markSlow('b');
    expect(health.order(['a', 'b', 'c']).usable).toEqual(['c', 'b', 'a']);
    health.markAnswered('b');
    expect(health.order(['a', 'b', 'c']).usable).toEqual(['b', 'c', 'a']);
    vi.advanceTimersByTime(1_000);
    expect(health.order(['a', 'b', 'c']).usable).toEqual(['a', 'b', 'c']);
  });
});
