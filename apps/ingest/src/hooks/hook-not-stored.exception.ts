/** JetStream did not store a hook: the producer is told to retry (503 with Retry-After). */
export class HookNotStoredError extends Error {
  /** Seconds the producer should wait before it retries. */
  readonly retryAfterSeconds = 5;

  constructor(
    readonly hookId: string,
    options: { cause: unknown },
  ) {
    super('the event store is unavailable; retry later', options);
    this.name = 'HookNotStoredError';
  }
}
