import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';

/** What the figures were measured on. */
export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  loadAverage: number[];
  node: string;
  platform: string;
  commit: string | null;
  /** Whether the working tree had uncommitted changes (the figures are for that tree). */
  dirty: boolean | null;
}

export function machineInfo(root: string): MachineInfo {
  const list = cpus();
  return {
    cpus: list.length,
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    loadAverage: loadavg().map((v) => Math.round(v * 100) / 100),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    commit: git(root, ['rev-parse', '--short', 'HEAD'])?.trim() ?? null,
    dirty: ((s) => (s === null ? null : s.trim().length > 0))(git(root, ['status', '--porcelain'])),
  };
}

function git(root: string, args: string[]): string | null {
  try {
    return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return null;
  }
}

/** Clock ticks per second of /proc accounting (USER_HZ), 100 on Linux. */
const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) a process has used so far, or NaN where /proc is unavailable. */
export function processCpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at field 3; utime is 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

/** The machine-wide CPU counters, to tell how busy all cores were over an interval. */
export interface CpuSample {
  busy: number;
  total: number;
}

export function sampleCpu(): CpuSample | null {
  if (!existsSync('/proc/stat')) return null;
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const values = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = values.reduce((a, b) => a + b, 0);
  const idle = values[3] + values[4];
  return { busy: total - idle, total };
}

/** The share (0..1) of all cores' time that was busy between two samples. */
export function busyShare(from: CpuSample | null, to: CpuSample | null): number {
  if (!from || !to || to.total <= from.total) return Number.NaN;
  return (to.busy - from.busy) / (to.total - from.total);
}

/**
 * The processes whose command line contains every one of `parts` (from /proc; none elsewhere).
 * PostgreSQL backends show their database in theirs: `postgres: 15/main: <user> <database> …`.
 */
export function findProcesses(...parts: string[]): number[] {
  if (!existsSync('/proc')) return [];
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (parts.every((part) => cmdline.includes(part))) found.push(Number(name));
    } catch {
      // exited meanwhile, or not readable
    }
  }
  return found;
}

/** CPU seconds of a changing group of processes, counted from the moment `start()` was called. */
export class ProcessGroupCpu {
  private readonly before = new Map<number, number>();

  constructor(private readonly find: () => number[]) {}

  start(): void {
    this.before.clear();
    for (const pid of this.find()) this.before.set(pid, processCpuSeconds(pid));
  }

  /** CPU seconds used since `start()` by the processes found now (a newer one counts from its start). */
  elapsed(): number {
    let total = 0;
    for (const pid of this.find()) {
      const now = processCpuSeconds(pid);
      if (Number.isFinite(now)) total += now - (this.before.get(pid) ?? 0);
    }
    return total;
  }
}
