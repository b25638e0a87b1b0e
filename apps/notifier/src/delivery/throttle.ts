import type { ContactChannel } from '../contacts/contact-method';

/*
 * How often one contact method may be used: at most `limit` messages in any `windowMs`. A method has a
 * few such rules (a short one against bursts, a long one against storms); a message may go when every
 * rule allows it. Computed from the times of the messages already sent, so the caller keeps no state
 * beyond the delivery log.
 */

export interface ThrottleRule {
  limit: number;
  windowMs: number;
}

export type ThrottleDecision =
  | { allowed: true; remaining: number }
  /** `retryAt`: the first moment every rule allows one more message. */
  | { allowed: false; retryAt: number };

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * Limits per contact method by channel. Phone calls are the most intrusive and the slowest to sink in;
 * Slack's incoming webhooks accept about one message a second.
 */
export const DEFAULT_THROTTLES: Record<ContactChannel, ThrottleRule[]> = {
  voice: [
    { limit: 1, windowMs: 2 * MINUTE },
    { limit: 10, windowMs: HOUR },
  ],
  sms: [
    { limit: 3, windowMs: MINUTE },
    { limit: 30, windowMs: HOUR },
  ],
  email: [
    { limit: 10, windowMs: MINUTE },
    { limit: 100, windowMs: HOUR },
  ],
  push: [
    { limit: 10, windowMs: MINUTE },
    { limit: 200, windowMs: HOUR },
  ],
  webhook: [{ limit: 60, windowMs: MINUTE }],
  slack: [
    { limit: 1, windowMs: 1_000 },
    { limit: 30, windowMs: MINUTE },
  ],
};

/**
 * Whether one more message may go through a contact method at `now`, given when its earlier messages
 * went (`sentAt`, ms, any order). A message counts in a rule's window when it went less than `windowMs`
 * before `now` (or after `now`, as with a clock that runs behind). Throws a RangeError for a rule whose
 * limit or window is not a positive whole number.
 */
export function throttle(
  sentAt: readonly number[],
  now: number,
  rules: readonly ThrottleRule[],
): ThrottleDecision {
  let remaining = Infinity;
  let retryAt = -Infinity;
  for (const { limit, windowMs } of rules) {
    if (!Number.isSafeInteger(limit) || limit < 1 || !Number.isSafeInteger(windowMs) || windowMs < 1) {
      throw new RangeError('a throttle limit and window are positive whole numbers');
    }
    const recent = sentAt.filter((t) => t > now - windowMs).sort((a, b) => b - a);
    if (recent.length < limit) {
      remaining = Math.min(remaining, limit - recent.length - 1);
    } else {
      // One more may go once the `limit`-th most recent message leaves the window.
      retryAt = Math.max(retryAt, recent[limit - 1] + windowMs);
    }
  }
  if (retryAt > -Infinity) return { allowed: false, retryAt };
  return { allowed: true, remaining: rules.length === 0 ? Infinity : remaining };
}

/**
 * The throttles a NOTIFIER_THROTTLES setting asks for: the defaults when unset, none for `off`, and
 * otherwise the defaults with the channels it names replaced, each `<channel>=<limit>/<seconds>,…`
 * (the setting is checked against that form at start).
 */
export function throttlesFrom(setting: string | undefined): Record<ContactChannel, ThrottleRule[]> {
  const rules: Record<ContactChannel, ThrottleRule[]> = { ...DEFAULT_THROTTLES };
  if (!setting) return rules;
  if (setting === 'off') {
    for (const channel of Object.keys(rules) as ContactChannel[]) rules[channel] = [];
    return rules;
  }
  for (const part of setting.split(';')) {
    const [channel, list] = part.split('=') as [ContactChannel, string];
    rules[channel] = list.split(',').map((pair) => {
      const [limit, seconds] = pair.split('/').map(Number) as [number, number];
      return { limit, windowMs: seconds * 1000 };
    });
  }
  return rules;
}
