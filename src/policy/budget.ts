import { performance } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';

import type { PolicyLimits } from './limits.js';

/** Instructions between two runs of the count hook: bounds how far past a limit a script gets. */
export const HOOK_INTERVAL = 100;
/** The heap is sampled on every 10th hook run (every 1,000 instructions): a sample costs more than a hook run. */
const HOOK_RUNS_PER_HEAP_SAMPLE = 10;
const PATTERN_STEPS_PER_CHECK = 256;

/** Thrown through fengari to stop a script. Lua code cannot catch it for good: pcall rethrows it. */
export class PolicyLimitError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'PolicyLimitError';
  }
}

/** The resources one evaluation has used, against its limits. Once stopped, every charge throws again. */
export class Budget {
  stoppedBy: string | null = null;
  private units = 0;
  private allocatedBytes = 0;
  private heapGrowth = 0;
  private heapBaseline = -1;
  private hookRuns = 0;
  private patternSteps = 0;
  private readonly deadline: number;

  constructor(private readonly limits: PolicyLimits) {
    this.deadline = performance.now() + limits.timeMs;
  }

  /** From the count hook. */
  instructionsRan(count: number): void {
    this.units += count;
    if (this.heapBaseline < 0 || ++this.hookRuns % HOOK_RUNS_PER_HEAP_SAMPLE === 0) this.sampleHeap();
    this.check();
  }

  /** Work a library function is about to do, in instruction-equivalents. */
  charge(units: number): void {
    if (this.heapBaseline < 0) this.sampleHeap();
    this.units += units;
    this.check();
  }

  patternStep(): void {
    this.units++;
    if (++this.patternSteps % PATTERN_STEPS_PER_CHECK === 0) this.check();
  }

  /** Called before fengari allocates a string or buffer of `bytes` bytes. */
  allocate(bytes: number): void {
    this.rethrowIfStopped();
    if (bytes > this.limits.stringBytes) {
      this.stop(`a string of ${bytes} bytes exceeds the string limit of ${this.limits.stringBytes} bytes`);
    }
    this.allocatedBytes += bytes;
    this.checkMemory();
  }

  /** A JS exception escaped from inside the VM. Ours is already recorded; anything else is a VM fault. */
  recordNativeError(error: unknown): void {
    if (!(error instanceof PolicyLimitError))
      this.stoppedBy ??= `internal error in the Lua VM: ${String(error)}`;
  }

  rethrowIfStopped(): void {
    if (this.stoppedBy !== null) throw new PolicyLimitError(this.stoppedBy);
  }

  private check(): void {
    this.rethrowIfStopped();
    if (this.units > this.limits.instructions) {
      this.stop(`exceeded the instruction limit of ${this.limits.instructions}`);
    }
    if (performance.now() > this.deadline) this.stop(`exceeded the time limit of ${this.limits.timeMs} ms`);
  }

  /** Heap growth since the first sample; the baseline is taken lazily so short policies never pay for it. */
  private sampleHeap(): void {
    const used = getHeapStatistics().used_heap_size;
    if (this.heapBaseline < 0) this.heapBaseline = used;
    this.heapGrowth = Math.max(0, used - this.heapBaseline);
    this.checkMemory();
  }

  private checkMemory(): void {
    if (this.allocatedBytes + this.heapGrowth > this.limits.memoryBytes) {
      this.stop(`exceeded the memory limit of ${this.limits.memoryBytes} bytes`);
    }
  }

  private stop(reason: string): never {
    this.stoppedBy = reason;
    throw new PolicyLimitError(reason);
  }
}
