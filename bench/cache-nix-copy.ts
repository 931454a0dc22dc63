/**
 * The `nix copy` rows of `npm run bench:cache`: one realistic store path (real shared libraries
 * from the host, as a NixOS closure is mostly made of) in one binary cache per compression, and
 * the wall time of a real Nix client substituting it into a fresh store.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { NIX_OPTIONS as DEBIAN_NIX_OPTIONS } from './cache-nix.js';
import { childrenCpuSeconds } from './cpu-time.js';

const NIX_OPTIONS = [...DEBIAN_NIX_OPTIONS, '--extra-experimental-features', 'nix-command'];

/** Where the libraries come from; files below 8 MiB, so the path holds hundreds of them. */
const LIBRARY_DIR = '/usr/lib/x86_64-linux-gnu';
const MAX_FILE_BYTES = 8 * 1024 * 1024;

export interface LibsCache {
  storePath: string;
  hashPart: string;
  narSize: number;
  files: number;
  /** Per compression: the cache directory. */
  dirs: Record<string, string>;
}

/**
 * Copies shared libraries (sorted by name, until `bytes` or the supply ends) into a store path
 * and that path into `<root>/libs-<compression>` per compression, with Nix's parallel
 * compression (xz at one thread takes minutes on a busy machine; decompression is the same). A
 * cache already there is reused, so runs after the first skip the compression.
 */
export function makeLibsCache(root: string, bytes: number, compressions: readonly string[]): LibsCache {
  const source = path.join(root, 'libs');
  fs.mkdirSync(source, { recursive: true });
  let total = 0;
  let files = 0;
  for (const name of fs.readdirSync(LIBRARY_DIR).sort()) {
    if (total >= bytes) break;
    const file = path.join(LIBRARY_DIR, name);
    const stat = fs.lstatSync(file);
    if (!stat.isFile() || !name.includes('.so') || stat.size >= MAX_FILE_BYTES) continue;
    fs.copyFileSync(file, path.join(source, name));
    total += stat.size;
    files++;
  }
  const storePath = execFileSync('nix-store', ['--add', source], { encoding: 'utf8' }).trim();
  const hashPart = path.basename(storePath).slice(0, 32);
  const dirs: Record<string, string> = {};
  for (const compression of compressions) {
    const dir = path.join(root, `libs-${compression}`);
    dirs[compression] = dir;
    if (fs.existsSync(path.join(dir, `${hashPart}.narinfo`))) continue;
    execFileSync(
      'nix',
      [
        'copy',
        '--to',
        `file://${dir}?compression=${compression}&parallel-compression=true`,
        storePath,
        ...NIX_OPTIONS,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
  }
  const narinfo = fs.readFileSync(path.join(dirs[compressions[0]!]!, `${hashPart}.narinfo`), 'utf8');
  const narSize = Number(/^NarSize: (\d+)$/m.exec(narinfo)![1]);
  return { storePath, hashPart, narSize, files, dirs };
}

export interface NixCopy {
  seconds: number;
  /** User + system CPU seconds of the `nix` process. */
  nixCpuSeconds: number;
}

/**
 * Seconds of wall time (and Nix's CPU time) for `nix copy --from <cache> --to <fresh store>` of `storePath`; the store
 * is deleted afterwards. Signatures are not checked (both sides alike); the NarHash always is,
 * by Nix. No narinfo disk cache: every copy asks the cache afresh, as a first install does.
 */
export function nixCopySeconds(from: string, storePath: string, workDir: string): NixCopy {
  const store = fs.mkdtempSync(path.join(workDir, 'store-'));
  try {
    const cpuBefore = childrenCpuSeconds();
    const start = performance.now();
    const result = spawnSync(
      'nix',
      [
        'copy',
        '--from',
        from,
        '--to',
        store,
        '--no-check-sigs',
        '--option',
        'narinfo-cache-positive-ttl',
        '0',
        '--option',
        'narinfo-cache-negative-ttl',
        '0',
        storePath,
        ...NIX_OPTIONS,
      ],
      { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const seconds = (performance.now() - start) / 1000;
    const nixCpuSeconds = childrenCpuSeconds() - cpuBefore;
    if (result.status !== 0) {
      throw new Error(`nix copy --from ${from} failed (${result.status}): ${result.stderr}`);
    }
    if (!fs.existsSync(path.join(store, storePath))) {
      throw new Error(`nix copy --from ${from} exited 0 but ${storePath} is not in ${store}`);
    }
    return { seconds, nixCpuSeconds };
  } finally {
    fs.rmSync(store, { recursive: true, force: true });
  }
}

/**
 * What a pass-through proxy would at best cost: the direct `nix copy`, while the work such a
 * proxy must do on the side runs at the same time (decompressing the compressed NAR natively and
 * hashing it: `<tool> -dc <file> | sha256sum`), as the proxy's verification and Nix's own
 * decompression would compete for the same cores. Seconds of wall time until both are done.
 */
export async function passThroughEstimateSeconds(
  from: string,
  storePath: string,
  workDir: string,
  compression: string,
  compressedFile: string,
): Promise<number> {
  const start = performance.now();
  const side = spawn('sh', ['-c', `${compression} -dc "$1" | sha256sum >/dev/null`, 'sh', compressedFile], {
    stdio: 'ignore',
  });
  const sideDone = new Promise<{ code: number | null; seconds: number }>((resolve) =>
    side.on('close', (code) => resolve({ code, seconds: (performance.now() - start) / 1000 })),
  );
  const copySeconds = nixCopySeconds(from, storePath, workDir).seconds;
  const { code, seconds } = await sideDone;
  if (code !== 0) throw new Error(`${compression} -dc ${compressedFile} | sha256sum failed (${code})`);
  return Math.max(copySeconds, seconds);
}
