import fc from 'fast-check';
import { DEFAULT_BACKOFF, backoffBounds, backoffDelay, nextAttempt } from './backoff';

const policy = { baseMs: 1_000, maxMs: 60_000, maxAttempts: 5 };

describe('backoffBounds', () => {
  it('doubles the ceiling each retry up to the maximum, and waits at least half of it', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoffBounds(n, policy))).toEqual([
      { min: 500, max: 1_000 },
      { min: 1_000, max: 2_000 },
      { min: 2_000, max: 4_000 },
      { min: 4_000, max: 8_000 },
      { min: 8_000, max: 16_000 },
      { min: 16_000, max: 32_000 },
      { min: 30_000, max: 60_000 },
      { min: 30_000, max: 60_000 },
    ]);
    expect(backoffBounds(10_000, policy)).toEqual({ min: 30_000, max: 60_000 });
    expect(() => backoffBounds(0, policy)).toThrow(RangeError);
  });
});

describe('backoffDelay', () => {
  it('stays within the bounds and reaches both ends', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (n, r) => {
          const { min, max } = backoffBounds(n, DEFAULT_BACKOFF);
          const delay = backoffDelay(n, () => r, DEFAULT_BACKOFF);
          expect(Number.isInteger(delay)).toBe(true);
          expect(delay).toBeGreaterThanOrEqual(min);
          expect(delay).toBeLessThanOrEqual(max);
        },
      ),
    );
    expect(backoffDelay(3, () => 0, policy)).toBe(2_000);
    expect(backoffDelay(3, () => 0.9999999, policy)).toBe(4_000);
    expect(() => backoffDelay(1, () => 1, policy)).toThrow(RangeError);
  });
});

describe('nextAttempt', () => {
  const now = 1_000_000;
  const transient = { outcome: 'transient', reason: 'HTTP 503' } as const;

  it('retries a transient failure within the backoff bounds', () => {
    expect(nextAttempt({ attempts: 1, verdict: transient, now, random: () => 0, policy })).toEqual({
      retry: true,
      at: now + 500,
    });
    expect(nextAttempt({ attempts: 3, verdict: transient, now, random: () => 0.5, policy })).toEqual({
      retry: true,
      at: now + 3_000,
    });
  });

  it('waits as long as the provider asks, up to the maximum', () => {
    const asked = (retryAfterMs: number) =>
      nextAttempt({ attempts: 1, verdict: { ...transient, retryAfterMs }, now, random: () => 0, policy });
    expect(asked(20_000)).toEqual({ retry: true, at: now + 20_000 });
    expect(asked(10 * 60_000)).toEqual({ retry: true, at: now + 60_000 });
    expect(asked(0)).toEqual({ retry: true, at: now + 500 });
  });

  it('stops when delivered, on a permanent failure, and when the attempts run out', () => {
    expect(
      nextAttempt({ attempts: 1, verdict: { outcome: 'delivered' }, now, random: Math.random, policy }),
    ).toEqual({
      retry: false,
      reason: 'delivered',
    });
    expect(
      nextAttempt({
        attempts: 1,
        verdict: { outcome: 'permanent', reason: 'HTTP 400' },
        now,
        random: Math.random,
        policy,
      }),
    ).toEqual({ retry: false, reason: 'HTTP 400' });
    expect(nextAttempt({ attempts: 4, verdict: transient, now, random: Math.random, policy }).retry).toBe(
      true,
    );
    expect(nextAttempt({ attempts: 5, verdict: transient, now, random: Math.random, policy })).toEqual({
      retry: false,
      reason: 'HTTP 503; gave up after 5 attempts',
    });
  });
});
