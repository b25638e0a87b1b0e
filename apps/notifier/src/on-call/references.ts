import { RpcFailure } from '@tocsin/messaging';
import type { EntityManager } from 'typeorm';

/** What can be named by escalation policies (and, for users, by schedules). */
export type Referenced = 'user' | 'team' | 'schedule';

interface Named {
  id: string;
  name: string;
}

/** The escalation policies with a step that targets this user, team or schedule. */
export async function policiesNaming(em: EntityManager, type: Referenced, id: string): Promise<Named[]> {
  return em.query(
    `SELECT DISTINCT p."id", p."name" FROM "notifier"."escalation_targets" t
     JOIN "notifier"."escalation_policies" p ON p."id" = t."policy_id"
     WHERE t."${type}_id" = $1 ORDER BY p."name", p."id"`,
    [id],
  );
}

/** The schedules whose layers or overrides name this user. */
export async function schedulesNaming(em: EntityManager, userId: string): Promise<Named[]> {
  return em.query(
    `SELECT s."id", s."name" FROM "notifier"."schedule_users" su
     JOIN "notifier"."schedules" s ON s."id" = su."schedule_id"
     WHERE su."user_id" = $1 ORDER BY s."name", s."id"`,
    [userId],
  );
}

/**
 * The 409 for deleting something still named elsewhere: the message says what to do, the details
 * list each policy and schedule that names it.
 */
export async function stillNamed(em: EntityManager, type: Referenced, id: string): Promise<RpcFailure> {
  const policies = await policiesNaming(em, type, id);
  const schedules = type === 'user' ? await schedulesNaming(em, id) : [];
  const names = [
    ...policies.map((p) => `escalation policy ${JSON.stringify(p.name)} (${p.id})`),
    ...schedules.map((s) => `schedule ${JSON.stringify(s.name)} (${s.id})`),
  ];
  const where = [policies.length ? 'escalation policies' : '', schedules.length ? 'schedules' : ''].filter(
    Boolean,
  );
  return new RpcFailure(
    409,
    'conflict',
    `${type} ${id} is named by ${where.join(' and ') || 'other records'}; remove it from them first`,
    names,
  );
}
