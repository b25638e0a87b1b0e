import { RateLimiter, TokenBucket } from './token-bucket';

const T0 = 1_700_000_000_000;

describe('TokenBucket', () => {
  it('starts full, takes one token per event and refuses once empty', () => {
    const bucket = new TokenBucket(2, 3, T0);
    expect([1, 2, 3, 4].map(() => bucket.tryTake(T0))).toEqual([true, true, true, false]);
  });

  it('refills at its rate and never above its burst', () => {
    const bucket = new TokenBucket(2, 3, T0);
    for (let i = 0; i < 3; i++) bucket.tryTake(T0);
    expect(bucket.tryTake(T0 + 499)).toBe(false);
    expect(bucket.tryTake(T0 + 500)).toBe(true);
    expect(bucket.available(T0 + 60_000)).toBe(3);
  });

  it('says in whole seconds, rounded up, when the next token comes', () => {
    const slow = new TokenBucket(0.25, 1, T0);
    expect(slow.secondsUntilToken(T0)).toBe(0);
    slow.tryTake(T0);
    expect(slow.secondsUntilToken(T0)).toBe(4);
    expect(slow.secondsUntilToken(T0 + 3_100)).toBe(1);
    const fast = new TokenBucket(1000, 1, T0);
    fast.tryTake(T0);
    expect(fast.secondsUntilToken(T0)).toBe(1);
  });

  it('refills nothing when the clock goes back', () => {
    const bucket = new TokenBucket(1, 1, T0);
    bucket.tryTake(T0);
    expect(bucket.tryTake(T0 - 10_000)).toBe(false);
    expect(bucket.tryTake(T0 + 1_000)).toBe(true);
  });

  it('refuses a rate or a burst it cannot work with', () => {
    expect(() => new TokenBucket(0, 1, T0)).toThrow(RangeError);
    expect(() => new TokenBucket(1, 0, T0)).toThrow(RangeError);
    expect(() => new TokenBucket(Number.NaN, 1, T0)).toThrow(RangeError);
  });
});

describe('RateLimiter', () => {
  const limits = { perIntegration: { rate: 1, burst: 2 }, total: { rate: 10, burst: 3 } };

  it('refuses an integration over its own bucket, naming it, and leaves the others alone', () => {
    const limiter = new RateLimiter(limits, T0);
    expect(limiter.admit('a', T0)).toEqual({ admitted: true });
    expect(limiter.admit('a', T0)).toEqual({ admitted: true });
    expect(limiter.admit('a', T0)).toEqual({
      admitted: false,
      limit: { bucket: 'integration', rate: 1, burst: 2 },
      retryAfterSeconds: 1,
    });
    expect(limiter.admit('b', T0)).toEqual({ admitted: true });
  });

  it('refuses every integration once the total bucket is empty', () => {
    const limiter = new RateLimiter(limits, T0);
    limiter.admit('a', T0);
    limiter.admit('b', T0);
    limiter.admit('c', T0);
    expect(limiter.admit('d', T0)).toEqual({
      admitted: false,
      limit: { bucket: 'total', rate: 10, burst: 3 },
      retryAfterSeconds: 1,
    });
    expect(limiter.admit('d', T0 + 100)).toEqual({ admitted: true });
  });

  it("gives the integration's token back when the total refuses", () => {
    const limiter = new RateLimiter(
      { perIntegration: { rate: 1, burst: 1 }, total: { rate: 1, burst: 1 } },
      T0,
    );
    expect(limiter.admit('a', T0).admitted).toBe(true);
    expect(limiter.admit('b', T0)).toMatchObject({ admitted: false, limit: { bucket: 'total' } });
    // b's own bucket was not spent by the refusal: once the total refills, b gets through.
    expect(limiter.admit('b', T0 + 1_000).admitted).toBe(true);
  });

  it('forgets full buckets when it holds many', () => {
    const limiter = new RateLimiter(
      { perIntegration: { rate: 1, burst: 1 }, total: { rate: 1_000_000, burst: 1_000_000 } },
      T0,
    );
    for (let i = 0; i < 10_000; i++) limiter.admit(`i${i}`, T0);
    expect(limiter.size).toBe(10_000);
    limiter.admit('late', T0 + 2_000);
    expect(limiter.size).toBe(1);
  });
});
