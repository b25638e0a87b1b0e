/** JetStream did not store a deploy: the pipeline is told to retry (503 with Retry-After). */
export class DeployNotStoredError extends Error {
  /** Seconds the pipeline should wait before it retries. */
  readonly retryAfterSeconds: number;

  constructor(
    readonly deployId: string,
    options: { cause: unknown; message?: string; retryAfterSeconds?: number },
  ) {
    super(options.message ?? 'the event store is unavailable; retry later', { cause: options.cause });
    this.retryAfterSeconds = options.retryAfterSeconds ?? 5;
    this.name = 'DeployNotStoredError';
  }
}
