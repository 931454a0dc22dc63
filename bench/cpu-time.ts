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

/** User + system CPU seconds other processes have used, summed (fields 14 and 15 of /proc/PID/stat). */
export function cpuSecondsOf(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / CLOCK_TICKS;
}
