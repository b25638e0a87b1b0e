import type { ContactChannel } from '../contacts/contact-method';
import type { Problem } from '../schedules/schedule';

/*
 * Escalation policies and what they need from the rest of the notifier: who is in a team, who is on
 * call in a schedule, and how each user wants to be told. See the README, "Escalation".
 */

export const TARGET_TYPES = ['user', 'team', 'schedule'] as const;
export type TargetType = (typeof TARGET_TYPES)[number];

/** Whom a step pages: one user, every member of a team, or whoever is on call in a schedule. */
export interface Target {
  type: TargetType;
  id: string;
}

export interface EscalationStep {
  targets: Target[];
  /** Minutes from the start of this step to the start of the next (or of the next pass). */
  delayMinutes: number;
}

export interface EscalationPolicy {
  steps: EscalationStep[];
  /** How many times the steps run again after the first pass: 0 runs them once. */
  repeat: number;
}

/** A contact method as paging sees it; `usable` is false while it is unverified, disabled or its channel off. */
export interface ContactMethodRef {
  id: string;
  channel: ContactChannel;
  usable: boolean;
}

/** One of a user's notification rules: tell me through `method` this many minutes after I am paged. */
export interface NotificationRule {
  afterMinutes: number;
  method: ContactMethodRef;
}

/** A final shift as escalation sees it. */
export interface OnCallSpan {
  start: number;
  end: number;
  userIds: readonly string[];
}

/**
 * What escalation looks up. Each answer is null when the thing does not exist (a deleted team,
 * schedule or user), which is different from an empty team or nobody on call.
 */
export interface EscalationDirectory {
  teamMembers(teamId: string): readonly string[] | null;
  /** Who is on call in a schedule at an instant (ms): empty when nobody is. */
  onCall(scheduleId: string, at: number): readonly string[] | null;
  /** The final shifts of a schedule that meet `[from, to)`. */
  shifts(scheduleId: string, from: number, to: number): readonly OnCallSpan[] | null;
  notificationRules(userId: string): readonly NotificationRule[] | null;
}

export const POLICY_LIMITS = {
  steps: 20,
  targetsPerStep: 20,
  /** Delays are whole minutes from 1 to a day. */
  delayMinutes: { min: 1, max: 24 * 60 },
  repeat: 9,
  idLength: 200,
} as const;

export type PolicyValidation = { ok: true; policy: EscalationPolicy } | { ok: false; problems: Problem[] };

/**
 * Checks an escalation policy (any JSON value): 1–20 steps, each with 1–20 targets of a known type and
 * a delay of 1–1440 whole minutes, and a repeat count of 0–9. A target named twice in one step is kept
 * once. Answers every problem, with its path.
 */
export function validatePolicy(input: unknown): PolicyValidation {
  const problems: Problem[] = [];
  const add = (path: string, reason: string) => problems.push({ path, reason });
  if (!isRecord(input)) return { ok: false, problems: [{ path: '', reason: 'a policy is an object' }] };
  unknownKeys(input, '', ['steps', 'repeat'], add);

  const repeat = input.repeat ?? 0;
  if (!Number.isSafeInteger(repeat) || (repeat as number) < 0 || (repeat as number) > POLICY_LIMITS.repeat) {
    add('repeat', `a whole number from 0 to ${POLICY_LIMITS.repeat}`);
  }
  const steps: EscalationStep[] = [];
  if (!Array.isArray(input.steps) || input.steps.length === 0)
    add('steps', 'a policy needs at least one step');
  else if (input.steps.length > POLICY_LIMITS.steps) add('steps', `at most ${POLICY_LIMITS.steps} steps`);
  else {
    input.steps.forEach((raw: unknown, index) => {
      const path = `steps[${index}]`;
      if (!isRecord(raw)) return add(path, 'a step is an object: targets, delayMinutes');
      unknownKeys(raw, path, ['targets', 'delayMinutes'], add);
      const { min, max } = POLICY_LIMITS.delayMinutes;
      const delay = raw.delayMinutes;
      if (!Number.isSafeInteger(delay) || (delay as number) < min || (delay as number) > max) {
        add(`${path}.delayMinutes`, `a whole number of minutes from ${min} to ${max}`);
      }
      const targets: Target[] = [];
      if (!Array.isArray(raw.targets) || raw.targets.length === 0)
        add(`${path}.targets`, 'a step needs a target');
      else if (raw.targets.length > POLICY_LIMITS.targetsPerStep) {
        add(`${path}.targets`, `at most ${POLICY_LIMITS.targetsPerStep} targets`);
      } else {
        raw.targets.forEach((target: unknown, i) => {
          const at = `${path}.targets[${i}]`;
          if (!isRecord(target)) return add(at, 'a target is an object: type, id');
          unknownKeys(target, at, ['type', 'id'], add);
          if (!TARGET_TYPES.includes(target.type as TargetType))
            add(`${at}.type`, `one of ${TARGET_TYPES.join(', ')}`);
          else if (typeof target.id !== 'string' || target.id.trim() === '')
            add(`${at}.id`, 'a non-empty string');
          else if (target.id.length > POLICY_LIMITS.idLength)
            add(`${at}.id`, `at most ${POLICY_LIMITS.idLength} characters`);
          else if (!targets.some((t) => t.type === target.type && t.id === target.id)) {
            targets.push({ type: target.type as TargetType, id: target.id });
          }
        });
      }
      steps.push({ targets, delayMinutes: delay as number });
    });
  }
  return problems.length > 0
    ? { ok: false, problems }
    : { ok: true, policy: { steps, repeat: repeat as number } };
}

function unknownKeys(
  record: Record<string, unknown>,
  path: string,
  allowed: string[],
  add: (path: string, reason: string) => void,
): void {
  for (const key of Object.keys(record)) {
    if (!allowed.includes(key))
      add(path ? `${path}.${key}` : key, `unknown field; expected ${allowed.join(', ')}`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
