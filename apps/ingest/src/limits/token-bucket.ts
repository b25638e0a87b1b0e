/**
 * A token bucket: `burst` tokens at most, refilled at `rate` tokens a second. Each admitted event
 * takes one. Time comes in as milliseconds from the caller, so the logic runs on any clock.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly rate: number,
    readonly burst: number,
    nowMs: number,
  ) {
    if (!(rate > 0) || !(burst >= 1)) throw new RangeError('a token bucket needs rate > 0 and burst >= 1');
    this.tokens = burst;
    this.last = nowMs;
  }

  /** Tokens available at `nowMs` (a clock that goes back refills nothing). */
  available(nowMs: number): number {
    this.refill(nowMs);
    return this.tokens;
  }

  /** Takes one token when there is one. */
  tryTake(nowMs: number): boolean {
    this.refill(nowMs);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Gives back a token taken by `tryTake` (never above the burst). */
  giveBack(): void {
    this.tokens = Math.min(this.burst, this.tokens + 1);
  }

  /** Whole seconds until a token is available: 0 when one is now, at least 1 otherwise. */
  secondsUntilToken(nowMs: number): number {
    this.refill(nowMs);
    if (this.tokens >= 1) return 0;
    return Math.max(1, Math.ceil((1 - this.tokens) / this.rate));
  }

  /** Whether the bucket is full at `nowMs`: such a bucket can be forgotten and made anew. */
  isFull(nowMs: number): boolean {
    return this.available(nowMs) >= this.burst;
  }

  private refill(nowMs: number): void {
    const elapsed = nowMs - this.last;
    if (elapsed <= 0) return;
    this.tokens = Math.min(this.burst, this.tokens + (elapsed / 1000) * this.rate);
    this.last = nowMs;
  }
}

/** Which limit refused an event. */
export type LimitName = 'integration' | 'total';

export interface LimitDescription {
  bucket: LimitName;
  /** Events a second. */
  rate: number;
  burst: number;
}

export type Admission =
  { admitted: true } | { admitted: false; limit: LimitDescription; retryAfterSeconds: number };

export interface RateLimits {
  perIntegration: { rate: number; burst: number };
  total: { rate: number; burst: number };
}

/** Above this many per-integration buckets, full ones are forgotten (they hold no state). */
const SWEEP_ABOVE = 10_000;

/**
 * One bucket per integration and one for all of them. An event is admitted only when both have a
 * token; it then takes one from each. A refusal names the bucket that refused and when to retry.
 */
export class RateLimiter {
  private readonly total: TokenBucket;
  private readonly perIntegration = new Map<string, TokenBucket>();

  constructor(
    readonly limits: RateLimits,
    nowMs: number,
  ) {
    this.total = new TokenBucket(limits.total.rate, limits.total.burst, nowMs);
  }

  admit(integrationId: string, nowMs: number): Admission {
    const own = this.bucketOf(integrationId, nowMs);
    if (!own.tryTake(nowMs)) return this.refusal('integration', own, nowMs);
    if (!this.total.tryTake(nowMs)) {
      own.giveBack();
      return this.refusal('total', this.total, nowMs);
    }
    return { admitted: true };
  }

  /** Per-integration buckets held (for tests and the sweep). */
  get size(): number {
    return this.perIntegration.size;
  }

  private bucketOf(integrationId: string, nowMs: number): TokenBucket {
    let bucket = this.perIntegration.get(integrationId);
    if (!bucket) {
      if (this.perIntegration.size >= SWEEP_ABOVE) this.sweep(nowMs);
      const { rate, burst } = this.limits.perIntegration;
      bucket = new TokenBucket(rate, burst, nowMs);
      this.perIntegration.set(integrationId, bucket);
    }
    return bucket;
  }

  private sweep(nowMs: number): void {
    for (const [id, bucket] of this.perIntegration) {
      if (bucket.isFull(nowMs)) this.perIntegration.delete(id);
    }
  }

  private refusal(bucket: LimitName, from: TokenBucket, nowMs: number): Admission {
    return {
      admitted: false,
      limit: { bucket, rate: from.rate, burst: from.burst },
      retryAfterSeconds: from.secondsUntilToken(nowMs),
    };
  }
}
