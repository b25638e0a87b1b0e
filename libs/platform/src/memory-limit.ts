import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Above this share of the limit, the heap is held tight. */
export const ENGAGE_AT = 0.9;
/** Below this share of the limit, V8 sizes the heap again as it likes (after a collection, mostly). */
export const RELEASE_AT = 0.85;
/** How far the heap may grow past its live data while held tight, in per cent. */
export const TIGHT_GROWTH_PERCENT = 20;
/** How often resident memory is read. */
const CHECK_EVERY_MS = 500;

export interface MemoryLimitOptions {
  /** The soft limit on resident memory, in bytes. */
  limitBytes: number;
  /** Resident memory now, in bytes (default: `process.memoryUsage.rss()`). */
  resident?: () => number;
  /** Sets how far V8 lets the heap grow past its live data; 0 restores V8's own choice. */
  setGrowthPercent?: (percent: number) => void;
  /** Runs a full collection now (default: V8's own `gc`, see {@link fullCollection}). */
  collect?: () => void;
  /** Told each time the heap is held tight (true) or let go (false), with the resident bytes. */
  onChange?: (tight: boolean, residentBytes: number) => void;
}

/**
 * A soft limit on a process's resident memory, kept by how much garbage V8 lets pile up.
 *
 * After each full collection V8 lets the heap grow up to about four times what survived before it
 * collects again, the more the cheaper collections are. Under a flood (thousands of messages
 * queued, allocations at full speed) that slack is most of a service's resident memory: 230–290 MiB
 * where the live data is 60. Near the limit this holds the growth to {@link TIGHT_GROWTH_PERCENT}
 * and collects at once: V8 sets the next limit after each full collection, so without one now the
 * limit set before (up to four times the live data) would stand until the heap reached it. Once the
 * process is well below the limit again, V8 sizes the heap as it likes. The live data itself is not
 * limited: a process that needs more than the limit keeps running, collecting more often.
 */
export class MemoryLimit {
  private tight = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly resident: () => number;
  private readonly setGrowthPercent: (percent: number) => void;
  private readonly collect: () => void;

  constructor(private readonly options: MemoryLimitOptions) {
    this.resident = options.resident ?? (() => process.memoryUsage.rss());
    this.setGrowthPercent = options.setGrowthPercent ?? setHeapGrowthPercent;
    this.collect = options.collect ?? fullCollection();
  }

  /** Whether the heap is held tight now. */
  get holding(): boolean {
    return this.tight;
  }

  /** Reads resident memory now and holds or lets go of the heap as it requires. */
  check(): void {
    const resident = this.resident();
    if (!this.tight && resident > this.options.limitBytes * ENGAGE_AT) {
      this.change(true, resident);
    } else if (this.tight && resident < this.options.limitBytes * RELEASE_AT) {
      this.change(false, resident);
    }
  }

  /** Checks every half second until stopped; the timer does not keep the process alive. */
  start(): this {
    this.check();
    this.timer ??= setInterval(() => this.check(), CHECK_EVERY_MS).unref();
    return this;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private change(tight: boolean, resident: number): void {
    this.tight = tight;
    this.setGrowthPercent(tight ? TIGHT_GROWTH_PERCENT : 0);
    if (tight) this.collect();
    this.options.onChange?.(tight, resident);
  }
}

/**
 * How far V8 lets the heap grow past what survived a full collection before the next, in per cent;
 * 0 leaves it to V8. V8 reads it each time it sets the next limit, so it may change at any time.
 */
export function setHeapGrowthPercent(percent: number): void {
  setFlagsFromString(`--heap-growing-percent=${percent}`);
}

/**
 * V8's `gc()`, without starting Node with `--expose-gc`: the flag is read when a context is made,
 * so a context made while it is on has the function, and the flag goes back off at once.
 */
export function fullCollection(): () => void {
  setFlagsFromString('--expose-gc');
  try {
    return runInNewContext('gc') as () => void;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}
