import type { Verdict } from './provider-answer';

/*
 * When to try a delivery again after a transient failure: exponential backoff with "equal jitter".
 * Retry n waits a random time between half and all of min(maxMs, baseMs × 2^(n−1)), so retries spread
 * out yet never come sooner than half the step. A provider's Retry-After is honoured up to maxMs.
 */

export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
  /** Attempts in all, the first included. */
  maxAttempts: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 5_000, maxMs: 5 * 60_000, maxAttempts: 8 };

/** The bounds (inclusive, whole ms) of the wait before retry `retry` (1: the retry after the first attempt). */
export function backoffBounds(
  retry: number,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
): { min: number; max: number } {
  if (!Number.isSafeInteger(retry) || retry < 1) throw new RangeError('retries are counted from 1');
  const max = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(retry - 1, 52));
  return { min: Math.ceil(max / 2), max };
}

/** A wait within `backoffBounds`, drawn with `random` (values in [0, 1), like Math.random). */
export function backoffDelay(
  retry: number,
  random: () => number,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
): number {
  const { min, max } = backoffBounds(retry, policy);
  const r = random();
  if (!(r >= 0 && r < 1)) throw new RangeError('random() must answer a number in [0, 1)');
  return min + Math.floor(r * (max - min + 1));
}

export type RetryDecision = { retry: true; at: number } | { retry: false; reason: string };

/**
 * What to do after attempt number `attempts` (1: the first) ended with `verdict` at `now` (ms): retry at
 * a time, or stop with the reason (delivered, a permanent failure, or no attempts left).
 */
export function nextAttempt(input: {
  attempts: number;
  verdict: Verdict;
  now: number;
  random: () => number;
  policy?: BackoffPolicy;
}): RetryDecision {
  const { attempts, verdict, now, random, policy = DEFAULT_BACKOFF } = input;
  switch (verdict.outcome) {
    case 'delivered':
      return { retry: false, reason: 'delivered' };
    case 'permanent':
      return { retry: false, reason: verdict.reason };
    case 'transient': {
      if (attempts >= policy.maxAttempts) {
        return { retry: false, reason: `${verdict.reason}; gave up after ${attempts} attempts` };
      }
      const wait = Math.max(
        backoffDelay(attempts, random, policy),
        Math.min(verdict.retryAfterMs ?? 0, policy.maxMs),
      );
      return { retry: true, at: now + wait };
    }
  }
}
