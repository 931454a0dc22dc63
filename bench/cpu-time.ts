import fs from 'node:fs';

/*
 * CPU time for the benchmarks: on a shared machine the wall clock mostly measures the neighbours,
 * CPU time measures the work.
 */

/** User + system CPU seconds this process has used. */
export function ownCpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

const CLOCK_TICKS = 100; // USER_HZ on Linux

/**
 * User + system CPU seconds other processes have used, summed (fields 14 and 15 of
 * /proc/PID/stat); with `children`, also that of their children that have exited and been waited
 * for (fields 16 and 17), e.g. the proxy's decompressors.
 */
export function cpuSecondsOf(pids: (number | 'self')[], options: { children?: boolean } = {}): number {
  let ticks = 0;
  for (const pid of pids) {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(fields[11]) + Number(fields[12]);
    if (options.children) ticks += Number(fields[13]) + Number(fields[14]);
  }
  return ticks / CLOCK_TICKS;
}

/** CPU seconds of this process's children that have exited and been waited for. */
export function childrenCpuSeconds(): number {
  return cpuSecondsOf(['self'], { children: true }) - cpuSecondsOf(['self']);
}
