import type { ContactChannel } from '../contacts/contact-method';
import type { EscalationDirectory, EscalationPolicy, NotificationRule, Target } from './escalation-policy';

/*
 * What to send for an incident, step by step, as plain data. No clock and no I/O: the caller says when a
 * step starts and hands in the directory; what comes back says whom to page through which method when,
 * under which idempotency key, and when the next step is due. Acknowledging or resolving the incident
 * stops the escalation; that is the caller's part (it drops what is not yet sent).
 */

const MINUTE = 60_000;

/** Where an escalation stands: `repeat` 0 is the first pass through the steps. */
export interface StepPosition {
  repeat: number;
  step: number;
}

/** A user a step reaches, and through which of its targets (in the step's order). */
export interface Recipient {
  userId: string;
  via: Target[];
}

/** One message to send. */
export interface Page {
  /** The delivery's idempotency key: a redelivered event plans the same key and sends nothing new. */
  key: string;
  userId: string;
  contactMethodId: string;
  channel: ContactChannel;
  /** When to send (ms): the step's start plus the rule's minutes. */
  at: number;
  via: Target[];
}

export interface StepPlan extends StepPosition {
  startsAt: number;
  recipients: Recipient[];
  pages: Page[];
  /** Users the step reaches who have no usable contact method (or do not exist). */
  unreachable: string[];
  /** Teams, schedules and users the step names that do not exist. */
  unknownTargets: Target[];
  /** The next step and when it is due; null after the last step of the last pass. */
  next: (StepPosition & { at: number }) | null;
}

export interface PlanInput {
  incidentId: string;
  policy: EscalationPolicy;
  directory: EscalationDirectory;
}

/**
 * The users a step reaches at an instant, each once however many of its targets name them (in the order
 * they are first reached), and the targets that do not exist.
 */
export function recipientsOf(
  step: EscalationPolicy['steps'][number],
  at: number,
  directory: EscalationDirectory,
): { recipients: Recipient[]; unknownTargets: Target[] } {
  const byUser = new Map<string, Recipient>();
  const unknownTargets: Target[] = [];
  for (const target of step.targets) {
    const users = usersOf(target, at, directory);
    if (users === null) {
      unknownTargets.push(target);
      continue;
    }
    for (const userId of users) {
      const known = byUser.get(userId);
      if (known) {
        if (!known.via.includes(target)) known.via.push(target);
      } else byUser.set(userId, { userId, via: [target] });
    }
  }
  return { recipients: [...byUser.values()], unknownTargets };
}

/**
 * Plans one step that starts at `startsAt`: one page per user and contact method (a user reached through
 * two targets is paged once), at the times the user's notification rules say, and when the next step is
 * due: after the step's delay, or at once when the step pages nobody.
 */
export function planStep(input: PlanInput & StepPosition & { startsAt: number }): StepPlan {
  const { incidentId, policy, directory, repeat, step, startsAt } = input;
  const current = policy.steps[step];
  if (!current || repeat < 0 || repeat > policy.repeat)
    throw new RangeError(`no step ${step} in pass ${repeat}`);
  const { recipients, unknownTargets } = recipientsOf(current, startsAt, directory);

  const pages: Page[] = [];
  const unreachable: string[] = [];
  for (const { userId, via } of recipients) {
    const rules = usableRules(directory.notificationRules(userId));
    if (rules.length === 0) unreachable.push(userId);
    for (const rule of rules) {
      pages.push({
        key: deliveryKey({ incidentId, step, repeat, userId, contactMethodId: rule.method.id }),
        userId,
        contactMethodId: rule.method.id,
        channel: rule.method.channel,
        at: startsAt + rule.afterMinutes * MINUTE,
        via,
      });
    }
  }
  const following = nextPosition(policy, { repeat, step });
  const wait = pages.length > 0 ? current.delayMinutes * MINUTE : 0;
  return {
    repeat,
    step,
    startsAt,
    recipients,
    pages,
    unreachable,
    unknownTargets,
    next: following && { ...following, at: startsAt + wait },
  };
}

/**
 * The whole escalation of an incident that is never acknowledged: every step of every pass, each
 * starting when the one before says. At most (repeat + 1) × steps plans.
 */
export function planEscalation(input: PlanInput & { startsAt: number }): StepPlan[] {
  const plans: StepPlan[] = [];
  let position: (StepPosition & { at: number }) | null = { repeat: 0, step: 0, at: input.startsAt };
  while (position) {
    const plan = planStep({ ...input, ...position, startsAt: position.at });
    plans.push(plan);
    position = plan.next;
  }
  return plans;
}

/** The step after a position: the next step of the pass, the first of the next pass, or null. */
export function nextPosition(policy: EscalationPolicy, { repeat, step }: StepPosition): StepPosition | null {
  if (step + 1 < policy.steps.length) return { repeat, step: step + 1 };
  return repeat < policy.repeat ? { repeat: repeat + 1, step: 0 } : null;
}

/**
 * The idempotency key of one delivery: incident, step, pass, user and contact method. Each part is
 * percent-encoded, so no two different deliveries share a key.
 */
export function deliveryKey(parts: {
  incidentId: string;
  step: number;
  repeat: number;
  userId: string;
  contactMethodId: string;
}): string {
  const { incidentId, step, repeat, userId, contactMethodId } = parts;
  if (!Number.isSafeInteger(step) || !Number.isSafeInteger(repeat) || step < 0 || repeat < 0) {
    throw new RangeError('step and repeat are whole numbers from 0');
  }
  return ['page', incidentId, String(step), String(repeat), userId, contactMethodId]
    .map((part) => encodeURIComponent(part))
    .join(':');
}

/** A user's usable rules, one per contact method (the earliest), in the order they fire. */
export function usableRules(rules: readonly NotificationRule[] | null): NotificationRule[] {
  const earliest = new Map<string, NotificationRule>();
  for (const rule of rules ?? []) {
    if (!rule.method.usable || !Number.isFinite(rule.afterMinutes) || rule.afterMinutes < 0) continue;
    const known = earliest.get(rule.method.id);
    if (!known || rule.afterMinutes < known.afterMinutes) earliest.set(rule.method.id, rule);
  }
  return [...earliest.values()].sort((a, b) => a.afterMinutes - b.afterMinutes);
}

/** The users a target stands for at an instant, or null when it does not exist. */
export function usersOf(
  target: Target,
  at: number,
  directory: EscalationDirectory,
): readonly string[] | null {
  switch (target.type) {
    case 'user':
      return directory.notificationRules(target.id) === null ? null : [target.id];
    case 'team':
      return directory.teamMembers(target.id);
    case 'schedule':
      return directory.onCall(target.id, at);
  }
}
