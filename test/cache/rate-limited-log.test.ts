import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { RateLimitedLog } from '../../src/cache/rate-limited-log.js';

describe('rate-limited log lines', () => {
  it('writes at most perWindow lines of a message per window, then says how many it left out', () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    let now = 0;
    const log = new RateLimitedLog(logger, 2, 1_000, () => now);
    for (let i = 0; i < 5; i++) log.info({ i }, 'path refused');
    log.warn({ i: 9 }, 'NAR transfer failed'); // another message has a window of its own
    expect(lines.map((l) => [l.msg, l.i])).toEqual([
      ['path refused', 0],
      ['path refused', 1],
      ['NAR transfer failed', 9],
    ]);
    now = 1_000;
    log.info({ i: 5 }, 'path refused');
    expect(lines.at(-1)).toMatchObject({ msg: 'path refused', i: 5, suppressed: 3, level: 30 });
    log.info({ i: 6 }, 'path refused');
    expect(lines.at(-1)).not.toHaveProperty('suppressed');
  });
});
