/**
 * A one-line progress display on stderr, redrawn in place, only when stderr is a TTY and not in
 * CI (logs of CI runs and pipes stay quiet). Redraws at most every 100 ms.
 */
export interface Progress {
  /** Sets how far the work is, of `total`. */
  update(done: number): void;
  /** Draws the final state and ends the line. */
  finish(): void;
}

const BAR_WIDTH = 30;
const REDRAW_MS = 100;

export function progressEnabled(stream: NodeJS.WriteStream = process.stderr): boolean {
  return stream.isTTY === true && !process.env.CI;
}

export function createProgress(
  label: string,
  total: number,
  stream: NodeJS.WriteStream = process.stderr,
): Progress {
  if (!progressEnabled(stream)) return { update() {}, finish() {} };
  let done = 0;
  let lastDraw = 0;
  const draw = () => {
    const filled = total === 0 ? BAR_WIDTH : Math.round((done / total) * BAR_WIDTH);
    const bar = '#'.repeat(filled) + '-'.repeat(BAR_WIDTH - filled);
    stream.write(`\r${label} [${bar}] ${done}/${total}`);
    lastDraw = Date.now();
  };
  return {
    update(n) {
      done = n;
      if (Date.now() - lastDraw >= REDRAW_MS) draw();
    },
    finish() {
      draw();
      stream.write('\n');
    },
  };
}
