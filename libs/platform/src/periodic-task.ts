/**
 * Runs a piece of background work every so often, never twice at once, and lets shutdown wait
 * for the run in progress. A failed run is reported and the next interval tries again.
 */
export class PeriodicTask {
  private timers: NodeJS.Timeout[] = [];
  private running?: Promise<void>;
  private again = false;
  private stopped = false;

  constructor(
    private readonly work: () => Promise<void>,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Runs every `intervalMs`, the first time after `firstAfterMs`. Timers never keep the process up. */
  start(intervalMs: number, firstAfterMs = intervalMs): void {
    this.timers.push(setInterval(() => this.tick(), intervalMs).unref());
    if (firstAfterMs !== intervalMs) this.timers.push(setTimeout(() => this.tick(), firstAfterMs).unref());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers = [];
    await this.running;
  }

  /**
   * Runs now, without waiting for the interval: at once when idle, else once more right after the
   * run in progress (however often it is asked meanwhile). Still never two runs at once.
   */
  now(): void {
    if (this.stopped) return;
    if (this.running) this.again = true;
    else this.tick();
  }

  private tick(): void {
    if (this.running) return;
    this.again = false;
    this.running = this.work()
      .catch(this.onError)
      .finally(() => {
        this.running = undefined;
        if (this.again && !this.stopped) this.tick();
      });
  }
}
