import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgress, inCi, progressEnabled, type ProgressStream } from '../../src/cli/progress.js';

/** A stream that records what is written; a "terminal" when isTTY is true. */
function fakeStream(isTTY: boolean): { stream: ProgressStream; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  }) as Writable & { isTTY?: boolean; columns?: number };
  stream.isTTY = isTTY;
  stream.columns = 120;
  return { stream, text: () => chunks.join('') };
}

const ESC = '\x1b[';
const NO_CI = {};

describe('progressEnabled', () => {
  it('draws only on a terminal outside CI', () => {
    expect(progressEnabled(fakeStream(true).stream, NO_CI)).toBe(true);
    expect(progressEnabled(fakeStream(false).stream, NO_CI)).toBe(false);
    expect(progressEnabled(fakeStream(true).stream, { CI: 'true' })).toBe(false);
    expect(progressEnabled(fakeStream(true).stream, { CI: '1' })).toBe(false);
    expect(progressEnabled(fakeStream(true).stream, { CI: 'woodpecker' })).toBe(false);
  });

  it('reads CI=false, CI=0 and an empty CI as not CI', () => {
    for (const value of ['false', '0', '']) expect(inCi({ CI: value }), value).toBe(false);
    expect(inCi({})).toBe(false);
  });
});

describe('createProgress', () => {
  it('is a no-op when the stream is not a terminal', () => {
    const err = fakeStream(false);
    const out = fakeStream(false);
    const progress = createProgress('publishing', 10, { stream: err.stream, out: out.stream, env: NO_CI });
    progress.update(5);
    progress.print('a result line');
    progress.update(10);
    progress.finish();
    expect(err.text()).toBe('');
    expect(out.text()).toBe('a result line\n');
  });

  it('is a no-op in CI, even on a terminal', () => {
    const err = fakeStream(true);
    const progress = createProgress('publishing', 10, { stream: err.stream, env: { CI: 'true' } });
    progress.update(10);
    progress.finish();
    expect(err.text()).toBe('');
  });

  it('draws a bar on a terminal and removes it when finished', () => {
    const err = fakeStream(true);
    const progress = createProgress('publishing', 10, { stream: err.stream, env: NO_CI });
    expect(err.text()).toContain(`publishing [${'-'.repeat(30)}] 0% 0/10`);
    progress.update(4);
    progress.update(10);
    progress.finish();
    const text = err.text();
    expect(text).toContain(`publishing [${'#'.repeat(30)}] 100% 10/10`);
    expect(text).toContain(ESC);
    // The last thing written erases the bar's line: the command's result line follows cleanly.
    expect(text.endsWith(`${ESC}2K`)).toBe(true);
    const before = text.length;
    progress.update(10);
    progress.finish();
    expect(err.text().length).toBe(before);
  });

  it('prints lines on a clean line and redraws the bar below them', () => {
    const err = fakeStream(true);
    const out = fakeStream(false);
    const progress = createProgress('appends', 100, { stream: err.stream, out: out.stream, env: NO_CI });
    progress.update(50);
    const erasedAt = err.text().length;
    progress.print('{"at":50}');
    expect(out.text()).toBe('{"at":50}\n');
    const after = err.text().slice(erasedAt);
    expect(after).toContain(`${ESC}2K`); // the bar's line is cleared before the line is printed
    expect(after).toContain('appends [###############---------------] 50% 50/100'); // and drawn again
    progress.finish();
  });
});
