import fs from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError, TallyError } from '../errors.js';
import { runNix, NIX_FLAGS, type NixCommandOptions } from './nix-command.js';

/** The Nix store a publishing command reads, as Nix resolves it. */
export interface ChosenStore {
  /** `--store` as given, else Nix's configured `store` setting (e.g. `auto`). */
  uri: string;
  /** Whether `uri` came from `--store` (else from Nix's configuration). */
  explicit: boolean;
  /** The store's store dir (`builtins.storeDir` under that store), e.g. /nix/store. */
  storeDir: string;
}

/**
 * Asks Nix which store `store` (a store URI, or undefined for Nix's configured default) is and
 * where it keeps its paths. With `storeDir` (from --store-dir), a store that keeps them elsewhere
 * is an error: the entries would name paths that store does not hold.
 */
export async function chooseStore(
  store: string | undefined,
  storeDir: string | undefined,
  options: Pick<NixCommandOptions, 'timeoutMs'> = {},
): Promise<ChosenStore> {
  const storeArgs = store === undefined ? [] : ['--store', store];
  const [dir, config] = await Promise.all([
    runNix('nix', [...NIX_FLAGS, 'eval', ...storeArgs, '--raw', '--expr', 'builtins.storeDir'], options),
    store === undefined
      ? runNix('nix', [...NIX_FLAGS, 'show-config', '--json'], options)
      : Promise.resolve(undefined),
  ]);
  const uri = store ?? configuredStore(config!);
  if (storeDir !== undefined && storeDir !== dir) {
    throw new InvalidArgumentError(
      `the Nix store ${uri} keeps its paths in ${dir}, not in ${storeDir} (--store-dir): ` +
        `pass --store-dir ${dir}, or the --store that holds ${storeDir}`,
    );
  }
  return { uri, explicit: store !== undefined, storeDir: dir };
}

function configuredStore(showConfigJson: string): string {
  try {
    const value = (JSON.parse(showConfigJson) as { store?: { value?: unknown } }).store?.value;
    // Empty (NIX_REMOTE set empty) is what Nix opens as `auto`.
    if (typeof value === 'string') return value === '' ? 'auto' : value;
  } catch {
    // reported below
  }
  throw new TallyError('INTERNAL', 'nix show-config --json did not name the store');
}

/** One line saying which store is read, for the command's stderr. */
export function describeStore(store: ChosenStore): string {
  const from = store.explicit ? '' : " (Nix's configured store; choose one with --store)";
  return `tally: reading Nix store ${store.uri}${from}, store dir ${store.storeDir}`;
}

/**
 * Refuses paths (or `./result`-style links to them) outside the store's store dir, naming the
 * path the store would know when the path is its physical location (`<root>/nix/store/...` of a
 * chroot store). Other arguments (installables) are left to Nix.
 */
export function checkPathsInStore(paths: readonly string[], store: ChosenStore): void {
  for (const arg of paths) {
    const target = linkTarget(arg);
    if (!path.isAbsolute(target) || target.startsWith(`${store.storeDir}/`)) continue;
    const inside = target.indexOf(`${store.storeDir}/`);
    const hint =
      inside > 0
        ? `; this store names it ${target.slice(inside)} (${target.slice(0, inside)} is where the store keeps its files)`
        : '';
    if (inside > 0 || looksLikeStorePath(target)) {
      throw new InvalidArgumentError(
        `${arg} is not in the store dir ${store.storeDir} of the Nix store ${store.uri}${hint}`,
      );
    }
  }
}

/** Where a symlink such as ./result points (resolved against its directory), else the argument. */
function linkTarget(arg: string): string {
  try {
    const target = fs.readlinkSync(arg);
    return path.resolve(path.dirname(path.resolve(arg)), target);
  } catch {
    return arg;
  }
}

/** `/<anything>/store/<32 chars of Nix base32>-<name>`: a store path of some other store dir. */
function looksLikeStorePath(p: string): boolean {
  return /\/store\/[0-9a-df-np-sv-z]{32}-[^/]+/.test(p);
}
