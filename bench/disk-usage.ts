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
