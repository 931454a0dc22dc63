import fs from 'node:fs';
import path from 'node:path';

/** Total bytes of the regular files under a directory (what LevelDB really occupies). */
export function diskBytes(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) total += diskBytes(p);
    else if (entry.isFile()) total += fs.statSync(p).size;
  }
  return total;
}

export function peakRssMiB(): number {
  // maxRSS is in KiB.
  return process.resourceUsage().maxRSS / 1024;
}

/**
 * Resident memory split as Linux reports it: anonymous (heap, buffers, caches) and file-backed
 * (LevelDB reads its table files through mmap, so touched table pages count as resident too).
 * Zeros where /proc is unavailable.
 */
export function rssSplitMiB(): { anonMiB: number; fileMiB: number } {
  let status = '';
  try {
    status = fs.readFileSync('/proc/self/status', 'utf8');
  } catch {
    return { anonMiB: 0, fileMiB: 0 };
  }
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return { anonMiB: Math.round(kib('RssAnon') / 1024), fileMiB: Math.round(kib('RssFile') / 1024) };
}
