import type { EscalationDirectory, EscalationPolicy } from '../escalation/escalation-policy';

/**
 * What paging needs from the rest of the notifier: the escalation policy an incident names, and
 * the directory (teams, schedules, people's notification rules) to plan a step with.
 */
export abstract class PagingDirectory {
  /** The policy with this id, or null when it does not exist (any more). */
  abstract policy(id: string): Promise<EscalationPolicy | null>;

  /** The directory as stored now; `usable` says which channels can deliver. */
  abstract load(usable: (kind: string) => boolean): Promise<EscalationDirectory>;
}
