import type { Command } from 'commander';
import { TallyError, type TallyErrorCode } from '../errors.js';

/**
 * Exit codes of every tally command (scripts and the NixOS module rely on them):
 *   0  success
 *   1  verification failed: the input is well-formed but a signature, proof or origin does not check out
 *   2  usage error or bad input: unknown option, malformed key / checkpoint / argument, refusing to overwrite
 *   3  I/O error or unavailable: a file is missing or unreadable, a service cannot be reached, or an
 *      unexpected internal error
 *   4  the state must be repaired first (the daemon's log database is older than its key's checkpoint)
 *
 * Human output goes to stdout, errors to stderr as "tally: <message>". With --json, stdout carries
 * exactly one JSON object: {"ok":true,...} on success, {"ok":false,"error":{"code","message"}} on failure.
 */
export const ExitCode = {
  OK: 0,
  VERIFICATION_FAILED: 1,
  BAD_INPUT: 2,
  UNAVAILABLE: 3,
  FAILED_PRECONDITION: 4,
} as const;

/** What each exit code means, as `tally --help` and the README state it. */
export const EXIT_CODE_MEANINGS: ReadonlyArray<readonly [code: number, meaning: string]> = [
  [
    ExitCode.OK,
    'success (also `decide` when nothing was decided, and `post-build-hook` when it spooled the build)',
  ],
  [
    ExitCode.VERIFICATION_FAILED,
    'verification failed: the input is well-formed but a signature, proof, origin or digest does not check out',
  ],
  [
    ExitCode.BAD_INPUT,
    'usage error or bad input: unknown command or option, malformed key, checkpoint or argument, ' +
      'a config file that is missing or invalid, an index past the head, a conflict with what the log ' +
      'holds (first write wins), refusing to overwrite',
  ],
  [
    ExitCode.UNAVAILABLE,
    'unavailable or I/O error: a file, log or digest not found, permission denied (also a wrong admin token), ' +
      'a message too large, the daemon or a node unreachable or timed out, a port in use, an internal error',
  ],
  [
    ExitCode.FAILED_PRECONDITION,
    "the state must be repaired first: the daemon will not publish because its log's database is " +
      'older than a checkpoint its key already published (a restored backup, a lost database); see ' +
      'docs/operations.md',
  ],
];

export interface CommandResult {
  /** Text for people; a trailing newline is added. */
  human: string;
  /** Fields for --json (merged after "ok": true). */
  json: Record<string, unknown>;
}

export interface OutputOptions {
  json?: boolean;
}

const EXIT_BY_CODE: Record<TallyErrorCode, number> = {
  VERIFICATION_FAILED: ExitCode.VERIFICATION_FAILED,
  INVALID_ARGUMENT: ExitCode.BAD_INPUT,
  OUT_OF_RANGE: ExitCode.BAD_INPUT,
  ALREADY_EXISTS: ExitCode.BAD_INPUT,
  NOT_FOUND: ExitCode.UNAVAILABLE,
  PERMISSION_DENIED: ExitCode.UNAVAILABLE,
  RESOURCE_EXHAUSTED: ExitCode.UNAVAILABLE,
  UNAVAILABLE: ExitCode.UNAVAILABLE,
  FAILED_PRECONDITION: ExitCode.FAILED_PRECONDITION,
  INTERNAL: ExitCode.UNAVAILABLE,
};

const SYSTEM_ERROR_CODES: Record<string, TallyErrorCode> = {
  ENOENT: 'NOT_FOUND',
  ENOTDIR: 'NOT_FOUND',
  EACCES: 'PERMISSION_DENIED',
  EPERM: 'PERMISSION_DENIED',
  EEXIST: 'ALREADY_EXISTS',
};

/** Classifies any thrown value: TallyErrors keep their code, Node system errors (ENOENT...) are I/O. */
export function errorCodeOf(err: unknown): TallyErrorCode {
  if (err instanceof TallyError) return err.code;
  const sysCode = (err as { code?: unknown } | null)?.code;
  if (typeof sysCode === 'string' && /^E[A-Z]+$/.test(sysCode))
    return SYSTEM_ERROR_CODES[sysCode] ?? 'UNAVAILABLE';
  return 'INTERNAL';
}

export function exitCodeOf(err: unknown): number {
  return EXIT_BY_CODE[errorCodeOf(err)];
}

export function addJsonOption(command: Command): Command {
  return command.option('--json', 'print one JSON object instead of text');
}

/** Runs a command body, prints its result or error in the chosen form and sets process.exitCode. */
export async function runCommand(
  options: OutputOptions,
  body: () => CommandResult | Promise<CommandResult>,
): Promise<void> {
  try {
    const result = await body();
    if (options.json) process.stdout.write(JSON.stringify({ ok: true, ...result.json }) + '\n');
    else process.stdout.write(result.human + '\n');
    process.exitCode = ExitCode.OK;
  } catch (err) {
    const code = errorCodeOf(err);
    const message = err instanceof Error ? err.message : String(err);
    if (options.json) process.stdout.write(JSON.stringify({ ok: false, error: { code, message } }) + '\n');
    else process.stderr.write(`tally: ${message}\n`);
    process.exitCode = EXIT_BY_CODE[code];
  }
}
