import { Injectable } from '@nestjs/common';
import type { ContactKind } from '@tocsin/contracts';
import { DataSource, type EntityManager } from 'typeorm';
import { directoryOf } from '../escalation/directory';
import type {
  EscalationDirectory,
  EscalationPolicy,
  EscalationStep,
  NotificationRule,
  TargetType,
} from '../escalation/escalation-policy';
import { CompiledSchedules } from '../on-call/compiled-schedules';
import { isUuid } from '../on-call/references-in-definitions';
import type { Schedule } from '../schedules/schedule';

export interface DirectoryOptions {
  /**
   * Whether a channel can send (its settings are present). A contact method is usable when it has no
   * `disabled_reason` and this answers true for its kind.
   */
  usable: (kind: ContactKind) => boolean;
  /**
   * Read only these policies and what they name (their users, the members of their teams, the people of
   * their schedules); every policy, team, schedule and user when left out.
   */
  policyIds?: readonly string[];
}

export interface LoadedDirectory {
  /** The policies asked for that exist, by id (lower case): `policies.get(id)`. */
  policies: ReadonlyMap<string, EscalationPolicy>;
  /** Team members, who is on call and users' notification rules, for planStep and checkPolicy. */
  directory: EscalationDirectory;
}

/**
 * Builds what escalation looks up from the database: policies, team members (`team_members`), who is on
 * call (the stored schedules, compiled once per change) and each user's notification rules with whether
 * their contact method is usable. Everything is read in one read-only REPEATABLE READ transaction, so a
 * directory is one consistent picture, however its schedules are then asked about other moments.
 */
@Injectable()
export class DirectoryService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly schedules: CompiledSchedules,
  ) {}

  async load(options: DirectoryOptions): Promise<LoadedDirectory> {
    return this.dataSource.transaction('REPEATABLE READ', async (em) => {
      await em.query('SET TRANSACTION READ ONLY');
      const scoped = options.policyIds !== undefined;
      const policyIds = scoped
        ? [...new Set(options.policyIds?.filter(isUuid).map((id) => id.toLowerCase()))]
        : null;
      const policies = await this.policies(em, policyIds);

      const named = { user: new Set<string>(), team: new Set<string>(), schedule: new Set<string>() };
      for (const policy of policies.values()) {
        for (const step of policy.steps) for (const t of step.targets) named[t.type].add(t.id);
      }
      const teams = await this.teams(em, scoped ? [...named.team] : null);
      const schedules = await this.schedules.load(em, scoped ? [...named.schedule] : null);

      let userIds: string[] | null = null;
      if (scoped) {
        const users = new Set(named.user);
        for (const members of teams.values()) for (const id of members) users.add(id);
        for (const schedule of schedules.values()) for (const id of usersOf(schedule)) users.add(id);
        userIds = [...users];
      }
      const rules = await this.rules(em, userIds, options.usable);
      return { policies, directory: directoryOf({ teams, schedules, rules }) };
    });
  }

  private async policies(
    em: EntityManager,
    ids: readonly string[] | null,
  ): Promise<Map<string, EscalationPolicy>> {
    const steps: { policy_id: string; repeat: number; position: number; delay_minutes: number }[] =
      await em.query(
        `SELECT p."id" AS "policy_id", p."repeat", s."position", s."delay_minutes"
         FROM "notifier"."escalation_policies" p
         JOIN "notifier"."escalation_steps" s ON s."policy_id" = p."id"
         WHERE $1::uuid[] IS NULL OR p."id" = ANY($1::uuid[])
         ORDER BY p."id", s."position"`,
        [ids],
      );
    const targets: { policy_id: string; step: number; type: TargetType; id: string }[] = await em.query(
      `SELECT "policy_id", "step", "type", coalesce("user_id", "team_id", "schedule_id") AS "id"
       FROM "notifier"."escalation_targets"
       WHERE $1::uuid[] IS NULL OR "policy_id" = ANY($1::uuid[])
       ORDER BY "policy_id", "step", "position"`,
      [ids],
    );
    const policies = new Map<string, EscalationPolicy>();
    const stepOf = new Map<string, EscalationStep>();
    for (const row of steps) {
      let policy = policies.get(row.policy_id);
      if (!policy) {
        policy = { steps: [], repeat: row.repeat };
        policies.set(row.policy_id, policy);
      }
      const step: EscalationStep = { targets: [], delayMinutes: row.delay_minutes };
      policy.steps.push(step);
      stepOf.set(`${row.policy_id}:${row.position}`, step);
    }
    for (const row of targets) {
      stepOf.get(`${row.policy_id}:${row.step}`)?.targets.push({ type: row.type, id: row.id });
    }
    return policies;
  }

  /** Each team (every team when `ids` is null) with its members; a team without members has none. */
  private async teams(em: EntityManager, ids: readonly string[] | null): Promise<Map<string, string[]>> {
    const teams = new Map<string, string[]>();
    if (ids !== null && ids.length === 0) return teams;
    const rows: { team_id: string; user_id: string | null }[] = await em.query(
      `SELECT t."id" AS "team_id", m."user_id" FROM "notifier"."teams" t
       LEFT JOIN "notifier"."team_members" m ON m."team_id" = t."id"
       WHERE $1::uuid[] IS NULL OR t."id" = ANY($1::uuid[])
       ORDER BY t."id", m."user_id"`,
      [ids],
    );
    for (const row of rows) {
      const members = teams.get(row.team_id) ?? [];
      if (row.user_id) members.push(row.user_id);
      teams.set(row.team_id, members);
    }
    return teams;
  }

  /**
   * Each user's notification rules, earliest first (every user when `ids` is null). A user without rules
   * has an empty list; a user who does not exist has none, which escalation reports as unknown.
   */
  private async rules(
    em: EntityManager,
    ids: readonly string[] | null,
    usable: (kind: ContactKind) => boolean,
  ): Promise<Map<string, NotificationRule[]>> {
    const rules = new Map<string, NotificationRule[]>();
    if (ids !== null && ids.length === 0) return rules;
    const rows: {
      user_id: string;
      delay_minutes: number | null;
      method_id: string | null;
      kind: ContactKind | null;
      disabled_reason: string | null;
    }[] = await em.query(
      `SELECT u."id" AS "user_id", r."delay_minutes", m."id" AS "method_id", m."kind", m."disabled_reason"
       FROM "notifier"."users" u
       LEFT JOIN "notifier"."notification_rules" r ON r."user_id" = u."id"
       LEFT JOIN "notifier"."contact_methods" m ON m."id" = r."contact_method_id"
       WHERE $1::uuid[] IS NULL OR u."id" = ANY($1::uuid[])
       ORDER BY u."id", r."delay_minutes", m."id"`,
      [ids],
    );
    for (const row of rows) {
      const list = rules.get(row.user_id) ?? [];
      if (row.delay_minutes !== null && row.method_id !== null && row.kind !== null) {
        list.push({
          afterMinutes: row.delay_minutes,
          method: {
            id: row.method_id,
            channel: row.kind,
            usable: row.disabled_reason === null && usable(row.kind),
          },
        });
      }
      rules.set(row.user_id, list);
    }
    return rules;
  }
}

/** Every user a schedule can put on call: the participants of its layers and its overrides' users. */
function usersOf(schedule: Schedule): string[] {
  return [
    ...schedule.layers.flatMap((layer) => layer.participants.flat()),
    ...schedule.overrides.flatMap((override) => override.userIds),
  ];
}
