/** JetStream did not store a deploy: the pipeline is told to retry (503 with Retry-After). */
export class DeployNotStoredError extends Error {
  /** Seconds the pipeline should wait before it retries. */
  readonly retryAfterSeconds = 5;

  constructor(
    readonly deployId: string,
    options: { cause: unknown },
  ) {
    super('the event store is unavailable; retry later', options);
    this.name = 'DeployNotStoredError';
  }
}
