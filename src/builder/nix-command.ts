import { execFile } from 'node:child_process';
import { TallyError } from '../errors.js';
import { nixOutputsFromPathInfoJson, type NixOutput } from '../nix/index.js';

/** Options shared by every `nix` invocation of the publishing commands. */
export interface NixCommandOptions {
  /** Store dir of the paths (Nix's own NIX_STORE_DIR); default /nix/store. */
  storeDir?: string;
  /** Nix's `--store` (a store URI); default the store Nix is configured with. */
  store?: string;
  /** Kill nix after this long; a stuck hook would hold up every build after it. Default 120 s. */
  timeoutMs?: number;
}

export const DEFAULT_NIX_TIMEOUT_MS = 120_000;
/** `nix path-info --recursive --json` of a large closure is tens of MiB. */
const MAX_NIX_OUTPUT_BYTES = 512 * 1024 * 1024;
/** Nix 2.8 needs `nix-command` enabled for `nix path-info`; newer Nix accepts the flag too. */
export const NIX_FLAGS = ['--extra-experimental-features', 'nix-command'];

/** The store dir Nix itself uses: NIX_STORE_DIR when set, else /nix/store. */
export function defaultStoreDir(): string {
  return process.env.NIX_STORE_DIR || '/nix/store';
}

/** Runs a Nix program and returns its stdout; errors say which command failed and why. */
export function runNix(program: string, args: string[], options: NixCommandOptions = {}): Promise<string> {
  const timeout = options.timeoutMs ?? DEFAULT_NIX_TIMEOUT_MS;
  const commandLine = `${program} ${args.join(' ')}`;
  return new Promise((resolve, reject) => {
    execFile(
      program,
      args,
      { timeout, killSignal: 'SIGKILL', maxBuffer: MAX_NIX_OUTPUT_BYTES, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (!error) return resolve(stdout);
        const err = error as NodeJS.ErrnoException & { killed?: boolean };
        if (err.code === 'ENOENT') {
          return reject(new TallyError('UNAVAILABLE', `${program} not found: is Nix installed and on PATH?`));
        }
        if (err.killed) {
          return reject(new TallyError('UNAVAILABLE', `${commandLine} did not finish within ${timeout} ms`));
        }
        const detail = stderr.trim().split('\n').slice(-3).join(' / ') || err.message;
        reject(new TallyError('UNAVAILABLE', `${commandLine} failed: ${detail}`));
      },
    );
  });
}

/** NarHash, NarSize, References and CA of `paths` (and with `recursive`, of their closure). */
export async function queryPathInfo(
  paths: string[],
  options: NixCommandOptions & { recursive?: boolean } = {},
): Promise<NixOutput[]> {
  if (paths.length === 0) return [];
  const args = [
    ...NIX_FLAGS,
    'path-info',
    ...storeArgs(options),
    '--json',
    ...(options.recursive ? ['--recursive'] : []),
    '--',
    ...paths,
  ];
  const stdout = await runNix('nix', args, options);
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch {
    throw new TallyError(
      'INTERNAL',
      `nix path-info --json printed something that is not JSON: ${stdout.slice(0, 80)}`,
    );
  }
  return nixOutputsFromPathInfoJson(json, { storeDir: options.storeDir ?? defaultStoreDir() });
}

/** The output paths of a derivation (`nix-store --query --outputs`). */
export async function queryDerivationOutputs(
  drvPath: string,
  options: NixCommandOptions = {},
): Promise<string[]> {
  const stdout = await runNix('nix-store', [...storeArgs(options), '--query', '--outputs', drvPath], options);
  return stdout.split('\n').filter((line) => line !== '');
}

function storeArgs(options: NixCommandOptions): string[] {
  return options.store === undefined ? [] : ['--store', options.store];
}
