import type { LimitDescription } from './token-bucket';

/** A request over a rate limit: each route answers it 429 in its own shape, with Retry-After. */
export class RateLimitedError extends Error {
  constructor(
    readonly limit: LimitDescription,
    readonly retryAfterSeconds: number,
  ) {
    const which = limit.bucket === 'integration' ? "this integration's" : "this ingest process's total";
    super(
      `${which} rate limit is reached (${limit.rate} events a second, bursts of ${limit.burst}); retry in ${retryAfterSeconds} s`,
    );
    this.name = 'RateLimitedError';
  }

  get headers(): Record<string, string> {
    return { 'Retry-After': String(this.retryAfterSeconds) };
  }
}

/** The store is not taking more publishes now: too many wait for JetStream's ack (503). */
export class StoreOverloadedError extends Error {
  readonly retryAfterSeconds = 1;

  constructor() {
    super('too many events are waiting for the event store; retry later');
    this.name = 'StoreOverloadedError';
  }
}
