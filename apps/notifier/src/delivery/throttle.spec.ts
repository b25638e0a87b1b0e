import fc from 'fast-check';
import { throttlesFrom, DEFAULT_THROTTLES, type ThrottleRule, throttle } from './throttle';

const S = 1_000;
const MIN = 60 * S;

describe('throttle', () => {
  const rules: ThrottleRule[] = [
    { limit: 1, windowMs: 2 * MIN },
    { limit: 3, windowMs: 60 * MIN },
  ];

  it('allows while every rule has room, and says how much room is left', () => {
    expect(throttle([], 0, rules)).toEqual({ allowed: true, remaining: 0 });
    expect(throttle([], 0, [{ limit: 5, windowMs: MIN }])).toEqual({ allowed: true, remaining: 4 });
    expect(throttle([-3 * MIN], 0, rules)).toEqual({ allowed: true, remaining: 0 });
  });

  it('refuses when a rule is full, until the message that fills it leaves the window', () => {
    expect(throttle([-MIN], 0, rules)).toEqual({ allowed: false, retryAt: MIN });
    // Three in the last hour: the oldest of them leaves the hour at 10 minutes from now.
    expect(throttle([-50 * MIN, -20 * MIN, -10 * MIN], 0, rules)).toEqual({
      allowed: false,
      retryAt: 10 * MIN,
    });
    // Both full: the later of the two moments.
    expect(throttle([-50 * MIN, -20 * MIN, -MIN], 0, rules)).toEqual({ allowed: false, retryAt: 10 * MIN });
    // A message exactly one window old has left it.
    expect(throttle([-2 * MIN], 0, [rules[0]])).toEqual({ allowed: true, remaining: 0 });
  });

  it('counts messages stamped after now (a clock behind) as recent', () => {
    expect(throttle([30 * S], 0, [rules[0]])).toEqual({ allowed: false, retryAt: 30 * S + 2 * MIN });
  });

  it('refuses rules that cannot be met', () => {
    expect(() => throttle([], 0, [{ limit: 0, windowMs: MIN }])).toThrow(RangeError);
    expect(() => throttle([], 0, [{ limit: 1, windowMs: 0.5 }])).toThrow(RangeError);
  });

  it('never lets more than the limit through any window, sending whenever allowed', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 120 }),
        fc.array(fc.integer({ min: 0, max: 600 }), { minLength: 1, maxLength: 60 }),
        (limit, windowSeconds, attempts) => {
          const rule = { limit, windowMs: windowSeconds * S };
          const sent: number[] = [];
          for (const t of [...attempts].sort((a, b) => a - b).map((a) => a * S)) {
            const decision = throttle(sent, t, [rule]);
            if (decision.allowed) sent.push(t);
            else {
              expect(decision.retryAt).toBeGreaterThan(t);
              // At retryAt it is allowed, just before it is not.
              expect(throttle(sent, decision.retryAt, [rule]).allowed).toBe(true);
              expect(throttle(sent, decision.retryAt - 1, [rule]).allowed).toBe(false);
            }
          }
          for (const start of sent) {
            expect(sent.filter((t) => t >= start && t < start + rule.windowMs).length).toBeLessThanOrEqual(
              limit,
            );
          }
        },
      ),
    );
  });

  it('has limits for every channel', () => {
    for (const channel of ['email', 'sms', 'voice', 'push', 'webhook', 'slack'] as const) {
      expect(DEFAULT_THROTTLES[channel].length).toBeGreaterThan(0);
      expect(throttle([], 0, DEFAULT_THROTTLES[channel]).allowed).toBe(true);
    }
    expect(throttle([-MIN], 0, DEFAULT_THROTTLES.voice).allowed).toBe(false);
  });
});

describe('throttlesFrom', () => {
  it('keeps the defaults when unset, drops them all for off, and replaces the channels named', () => {
    expect(throttlesFrom(undefined)).toEqual(DEFAULT_THROTTLES);
    expect(Object.values(throttlesFrom('off')).every((rules) => rules.length === 0)).toBe(true);
    const mixed = throttlesFrom('sms=5/60,40/3600;webhook=1000/60');
    expect(mixed.sms).toEqual([
      { limit: 5, windowMs: 60_000 },
      { limit: 40, windowMs: 3_600_000 },
    ]);
    expect(mixed.webhook).toEqual([{ limit: 1000, windowMs: 60_000 }]);
    expect(mixed.email).toEqual(DEFAULT_THROTTLES.email);
  });
});
