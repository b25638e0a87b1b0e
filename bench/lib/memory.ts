import { readFileSync } from 'node:fs';

/** A process's resident memory in MiB (VmRSS in /proc/<pid>/status), or NaN when unreadable. */
export function residentMiB(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
    return kb === undefined ? Number.NaN : Number(kb) / 1024;
  } catch {
    return Number.NaN;
  }
}

/** Resident memory of named processes, sampled at an interval while a load runs. */
export class MemorySampler {
  private readonly peak = new Map<string, number>();
  private readonly sum = new Map<string, number>();
  private readonly count = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  /** `processes()` names the processes to sample (by the time of each sample: they may change). */
  constructor(
    private readonly processes: () => Record<string, number[]>,
    private readonly intervalMs = 500,
  ) {}

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  /** Stops sampling; per name, the highest and the mean resident MiB (the sum over its processes). */
  stop(): Record<string, { peakMiB: number; meanMiB: number }> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.sample();
    const out: Record<string, { peakMiB: number; meanMiB: number }> = {};
    for (const [name, peak] of this.peak) {
      out[name] = { peakMiB: peak, meanMiB: (this.sum.get(name) ?? 0) / (this.count.get(name) ?? 1) };
    }
    return out;
  }

  private sample(): void {
    for (const [name, pids] of Object.entries(this.processes())) {
      const values = pids.map(residentMiB).filter(Number.isFinite);
      if (values.length === 0) continue;
      // With several processes of one service, the largest one: the figure is "per process".
      const value = Math.max(...values);
      this.peak.set(name, Math.max(this.peak.get(name) ?? 0, value));
      this.sum.set(name, (this.sum.get(name) ?? 0) + value);
      this.count.set(name, (this.count.get(name) ?? 0) + 1);
    }
  }
}
