import cliProgress from 'cli-progress';

/**
 * Progress of a long operation (submit-closure, publish-cache, benchmarks): a cli-progress bar on
 * stderr when it is a terminal, nothing at all in CI or when stderr is piped, so logs of CI runs
 * and scripts carry no escape codes (the command's own result line is the summary).
 */
export interface Progress {
  /** Sets how far the work is, of the total. */
  update(done: number): void;
  /** Prints a line of output (to stdout) without tearing the bar. */
  print(line: string): void;
  /** Draws nothing more: removes the bar and leaves the terminal as it was. */
  finish(): void;
}

/** Where a bar may be drawn: any writable stream, a terminal when `isTTY` is true. */
export type ProgressStream = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

export interface ProgressOptions {
  /** Default process.stderr. */
  stream?: ProgressStream;
  /** Where `print` writes; default process.stdout. */
  out?: NodeJS.WritableStream;
  /** Default process.env; only CI is read. */
  env?: NodeJS.ProcessEnv;
}

/** Forward updates to the bar at most this often: cheap enough for a million-step loop. */
const UPDATE_MS = 100;

/** CI systems set CI (to "true", "1", a name...); "false" and "0" mean not CI. */
export function inCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const ci = env.CI;
  return ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0';
}

export function progressEnabled(
  stream: ProgressStream = process.stderr,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  return stream.isTTY === true && !inCi(env);
}

export function createProgress(label: string, total: number, options: ProgressOptions = {}): Progress {
  const stream = options.stream ?? process.stderr;
  const out = options.out ?? process.stdout;
  if (!progressEnabled(stream, options.env ?? process.env)) {
    return { update() {}, print: (line) => void out.write(line + '\n'), finish() {} };
  }
  const bar = new cliProgress.SingleBar({
    stream,
    format: `${label} [{bar}] {percentage}% {value}/{total} | ETA {eta_formatted}`,
    barCompleteChar: '#',
    barIncompleteChar: '-',
    barsize: 30,
    etaBuffer: 50,
    // Transient: the command prints its own result once the bar is gone.
    clearOnComplete: true,
    // No terminal state that an interrupted process could leave behind (hidden cursor, no wrap).
    hideCursor: false,
    linewrap: true,
    gracefulExit: false,
  });
  let done = 0;
  let active = true;
  let lastForward = 0;
  bar.start(total, 0);
  return {
    update(n) {
      done = n;
      const now = Date.now();
      if (active && now - lastForward >= UPDATE_MS) {
        lastForward = now;
        bar.update(n);
      }
    },
    print(line) {
      if (!active) return void out.write(line + '\n');
      bar.stop(); // clears the bar's line
      out.write(line + '\n');
      // Redraw below the line, unless the work is complete (finish() comes next).
      if (done < total) bar.start(total, done);
      else active = false;
    },
    finish() {
      if (!active) return;
      active = false;
      bar.update(done);
      bar.stop();
    },
  };
}
