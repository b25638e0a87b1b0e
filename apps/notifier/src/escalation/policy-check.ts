import { type Span, subtract, union } from '../schedules/spans';
import { usableRules } from './escalation-plan';
import type { EscalationDirectory, EscalationPolicy, Target } from './escalation-policy';

/*
 * The policy check: what would go wrong if an incident escalated through a policy at any moment of
 * the coming days. Steps are counted from 0 in the data and from 1 in the reasons.
 */

export const CHECK_DAYS = 30;
const DAY = 24 * 60 * 60_000;

export type PolicyIssue =
  /** A step names a team, schedule or user that does not exist. */
  | { kind: 'unknown-target'; step: number; target: Target; reason: string }
  /** Nobody is on call for a step during `[start, end)`: the step would page nobody and pass at once. */
  | { kind: 'gap'; step: number; start: number; end: number; reason: string }
  /** Nobody is on call for any step during `[start, end)`: an incident would page nobody at all. */
  | { kind: 'uncovered'; start: number; end: number; reason: string }
  /**
   * A user a step would reach has no usable contact method (or does not exist); `userId` null for a team
   * without members. `firstOnCall`: the first moment the step would reach them.
   */
  | {
      kind: 'unreachable';
      step: number;
      target: Target;
      userId: string | null;
      firstOnCall: number;
      reason: string;
    };

/**
 * Checks a policy over `days` days (30 by default) from `from` (ms): targets that do not exist, spans in
 * which a step has nobody on call, spans in which no step has, and users the steps reach who have no
 * usable contact method. An empty answer means every step reaches somebody reachable at every moment.
 */
export function checkPolicy(
  policy: EscalationPolicy,
  directory: EscalationDirectory,
  options: { from: number; days?: number },
): PolicyIssue[] {
  const window: Span = { start: options.from, end: options.from + (options.days ?? CHECK_DAYS) * DAY };
  const issues: PolicyIssue[] = [];
  const everyStep: Span[] = [];

  policy.steps.forEach((step, index) => {
    const name = `step ${index + 1}`;
    const covered: Span[] = [];
    const reported = new Set<string>();
    const unreachable = (target: Target, userId: string | null, firstOnCall: number, reason: string) => {
      const key = userId ?? `${target.type}:${target.id}`;
      if (reported.has(key)) return;
      reported.add(key);
      issues.push({
        kind: 'unreachable',
        step: index,
        target,
        userId,
        firstOnCall,
        reason: `${name}: ${reason}`,
      });
    };
    const checkUser = (target: Target, userId: string, firstOnCall: number, how: string, when = '') => {
      const rules = directory.notificationRules(userId);
      if (rules === null)
        unreachable(target, userId, firstOnCall, `${how} ${quote(userId)} does not exist${when}`);
      else if (usableRules(rules).length === 0) {
        unreachable(
          target,
          userId,
          firstOnCall,
          `${how} ${quote(userId)} has no usable contact method${when}`,
        );
      }
    };

    for (const target of step.targets) {
      const label = `${target.type} ${quote(target.id)}`;
      switch (target.type) {
        case 'user': {
          if (directory.notificationRules(target.id) === null) {
            issues.push({
              kind: 'unknown-target',
              step: index,
              target,
              reason: `${name}: ${label} does not exist`,
            });
            continue;
          }
          covered.push(window);
          checkUser(target, target.id, window.start, 'user');
          break;
        }
        case 'team': {
          const members = directory.teamMembers(target.id);
          if (members === null) {
            issues.push({
              kind: 'unknown-target',
              step: index,
              target,
              reason: `${name}: ${label} does not exist`,
            });
            continue;
          }
          if (members.length === 0) {
            unreachable(target, null, window.start, `${label} has no members`);
            continue;
          }
          covered.push(window);
          for (const member of members) checkUser(target, member, window.start, `${label}: member`);
          break;
        }
        case 'schedule': {
          const shifts = directory.shifts(target.id, window.start, window.end);
          if (shifts === null) {
            issues.push({
              kind: 'unknown-target',
              step: index,
              target,
              reason: `${name}: ${label} does not exist`,
            });
            continue;
          }
          for (const shift of shifts) {
            if (shift.userIds.length === 0) continue;
            const start = Math.max(shift.start, window.start);
            covered.push({ start, end: Math.min(shift.end, window.end) });
            for (const userId of shift.userIds) {
              checkUser(target, userId, start, `${label}: user`, ` (on call from ${iso(start)})`);
            }
          }
          break;
        }
      }
    }

    const coverage = union(covered);
    everyStep.push(...coverage);
    for (const gap of subtract([window], coverage)) {
      issues.push({
        kind: 'gap',
        step: index,
        ...gap,
        reason: `${name} has nobody on call from ${iso(gap.start)} to ${iso(gap.end)}; it would pass at once`,
      });
    }
  });

  for (const span of subtract([window], union(everyStep))) {
    issues.push({
      kind: 'uncovered',
      ...span,
      reason: `no step has anybody on call from ${iso(span.start)} to ${iso(span.end)}: an incident would page nobody`,
    });
  }
  return issues;
}

function iso(instant: number): string {
  return new Date(instant).toISOString().replace(':00.000Z', 'Z');
}

function quote(text: string): string {
  return JSON.stringify(text.length > 100 ? `${text.slice(0, 100)}…` : text);
}
