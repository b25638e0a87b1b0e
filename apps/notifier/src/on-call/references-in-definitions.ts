import type { EntityManager } from 'typeorm';
import { POLICY_LIMITS } from '../escalation/escalation-policy';
import type { Problem } from '../schedules/schedule';
import { SCHEDULE_LIMITS } from '../schedules/validate-schedule';

/*
 * The ids a schedule or policy definition names, with the path of each, read from the JSON as given:
 * what validateSchedule or validatePolicy refuses on its own (not a string, empty, too long) is left to
 * them, so that each problem is told once.
 */

export interface Reference {
  /** Where, in the definition: `layers[0].participants[1]`, `steps[0].targets[2]`. */
  path: string;
  id: string;
}

const MAX_ID = SCHEDULE_LIMITS.idLength;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An id a validator accepts (a non-empty string of at most 200 characters). */
function isId(value: unknown): value is string {
  return typeof value === 'string' && value.trim().length > 0 && value.length <= MAX_ID;
}

/** Whether an id can name a stored row at all; the others name nothing. */
export function isUuid(id: string): boolean {
  return UUID.test(id);
}

/**
 * The first `max` elements of a list, or none: a definition longer than its limits is refused by the
 * validator, and reading no further bounds the lookups one request can ask for.
 */
function list(value: unknown, max: number): unknown[] {
  return Array.isArray(value) ? value.slice(0, max) : [];
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)[key]
    : undefined;
}

/** The users a schedule names: every participant of every layer, and every override's user. */
export function scheduleUsers(definition: { layers?: unknown; overrides?: unknown }): Reference[] {
  const found: Reference[] = [];
  list(definition.layers, SCHEDULE_LIMITS.layers).forEach((layer, i) => {
    list(field(layer, 'participants'), SCHEDULE_LIMITS.participants).forEach((participant, j) => {
      const path = `layers[${i}].participants[${j}]`;
      if (isId(participant)) found.push({ path, id: participant });
      else {
        list(participant, SCHEDULE_LIMITS.usersPerParticipant).forEach((user, k) => {
          if (isId(user)) found.push({ path: `${path}[${k}]`, id: user });
        });
      }
    });
  });
  list(definition.overrides, SCHEDULE_LIMITS.overrides).forEach((override, i) => {
    const userId = field(override, 'userId');
    if (isId(userId)) found.push({ path: `overrides[${i}].userId`, id: userId });
  });
  return found;
}

/** The targets of a policy's steps, by type. */
export function policyTargets(steps: unknown): {
  user: Reference[];
  team: Reference[];
  schedule: Reference[];
} {
  const found = { user: [] as Reference[], team: [] as Reference[], schedule: [] as Reference[] };
  list(steps, POLICY_LIMITS.steps).forEach((step, i) => {
    list(field(step, 'targets'), POLICY_LIMITS.targetsPerStep).forEach((target, j) => {
      const type = field(target, 'type');
      const id = field(target, 'id');
      if ((type === 'user' || type === 'team' || type === 'schedule') && isId(id)) {
        found[type].push({ path: `steps[${i}].targets[${j}]`, id });
      }
    });
  });
  return found;
}

/** A validator's problem as one line of an error's details. */
export function problemText(problem: Problem): string {
  return problem.path ? `${problem.path}: ${problem.reason}` : problem.reason;
}

/**
 * The layers and overrides with every user id that is a UUID written in lower case, as PostgreSQL
 * writes it, so that the stored definition names users exactly as the users table does.
 */
export function canonicalUserIds<T extends { layers?: unknown; overrides?: unknown }>(definition: T): T {
  const canonical = (value: unknown): unknown =>
    typeof value === 'string' && isUuid(value) ? value.toLowerCase() : value;
  const layers = Array.isArray(definition.layers)
    ? definition.layers.map((layer: unknown) => {
        const participants = field(layer, 'participants');
        if (!Array.isArray(participants)) return layer;
        return {
          ...(layer as Record<string, unknown>),
          participants: participants.map((p: unknown) =>
            Array.isArray(p) ? p.map(canonical) : canonical(p),
          ),
        };
      })
    : definition.layers;
  const overrides = Array.isArray(definition.overrides)
    ? definition.overrides.map((override: unknown) =>
        field(override, 'userId') === undefined
          ? override
          : { ...(override as Record<string, unknown>), userId: canonical(field(override, 'userId')) },
      )
    : definition.overrides;
  return { ...definition, layers, overrides };
}

/** Which of these ids name a row of the table, locked against deletion until the transaction ends. */
export async function existingIds(
  em: EntityManager,
  table: 'users' | 'teams' | 'schedules',
  ids: readonly string[],
): Promise<Set<string>> {
  const uuids = [...new Set(ids.filter(isUuid).map((id) => id.toLowerCase()))];
  if (uuids.length === 0) return new Set();
  const rows: { id: string }[] = await em.query(
    `SELECT "id" FROM "notifier"."${table}" WHERE "id" = ANY($1::uuid[]) FOR KEY SHARE`,
    [uuids],
  );
  return new Set(rows.map((r) => r.id));
}
