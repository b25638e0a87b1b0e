/**
 * A bound on publishes waiting for JetStream's ack in this process. When JetStream is slow, each
 * waiting publish holds its request (body included) in memory; beyond the bound a request is
 * refused at once (503 + Retry-After) instead.
 */
export class PublishGate {
  private inFlight = 0;

  constructor(readonly max: number) {}

  /** Publishes waiting for their ack. */
  get pending(): number {
    return this.inFlight;
  }

  /** Runs `publish` when there is room; `undefined` without running it when the bound is reached. */
  async run<T>(publish: () => Promise<T>): Promise<{ value: T } | undefined> {
    if (this.inFlight >= this.max) return undefined;
    this.inFlight++;
    try {
      return { value: await publish() };
    } finally {
      this.inFlight--;
    }
  }
}
