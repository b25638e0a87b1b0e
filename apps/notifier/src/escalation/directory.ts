import { onCallAt, shiftsBetween } from '../schedules/on-call';
import type { Schedule } from '../schedules/schedule';
import type { EscalationDirectory, NotificationRule } from './escalation-policy';

export interface DirectoryData {
  teams: ReadonlyMap<string, readonly string[]>;
  schedules: ReadonlyMap<string, Schedule>;
  /** Every user, with their notification rules (an empty list for a user without any). */
  rules: ReadonlyMap<string, readonly NotificationRule[]>;
}

/** A directory over data already loaded: teams, validated schedules and users' notification rules. */
export function directoryOf(data: DirectoryData): EscalationDirectory {
  return {
    teamMembers: (teamId) => data.teams.get(teamId) ?? null,
    onCall: (scheduleId, at) => {
      const schedule = data.schedules.get(scheduleId);
      return schedule ? (onCallAt(schedule, at)?.userIds ?? []) : null;
    },
    shifts: (scheduleId, from, to) => {
      const schedule = data.schedules.get(scheduleId);
      return schedule ? shiftsBetween(schedule, from, to) : null;
    },
    notificationRules: (userId) => data.rules.get(userId) ?? null,
  };
}
