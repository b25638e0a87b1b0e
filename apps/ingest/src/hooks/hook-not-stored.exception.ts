/** JetStream did not store a hook: the producer is told to retry (503 with Retry-After). */
export class HookNotStoredError extends Error {
  /** Seconds the producer should wait before it retries. */
  readonly retryAfterSeconds: number;

  constructor(
    readonly hookId: string,
    options: { cause: unknown; message?: string; retryAfterSeconds?: number },
  ) {
    super(options.message ?? 'the event store is unavailable; retry later', { cause: options.cause });
    this.retryAfterSeconds = options.retryAfterSeconds ?? 5;
    this.name = 'HookNotStoredError';
  }
}
