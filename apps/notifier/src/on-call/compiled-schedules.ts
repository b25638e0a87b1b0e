import { Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import type { EntityManager } from 'typeorm';
import type { Schedule } from '../schedules/schedule';
import { validateSchedule } from '../schedules/validate-schedule';
import { isUuid, problemText } from './references-in-definitions';

interface Compiled {
  revision: number;
  schedule: Schedule;
}

/** A schedule in which nobody is ever on call. */
const NOBODY: Schedule = { timeZone: 'UTC', layers: [], overrides: [] };

/**
 * Stored schedules compiled once per change. Each read asks the database for the revision of each
 * schedule (a change adds one) and compiles only those whose revision this process has not seen, so
 * replicas stay exact without telling each other anything.
 */
@Injectable()
export class CompiledSchedules {
  private readonly cache = new Map<string, Compiled>();

  constructor(private readonly logger: PinoLogger) {}

  /**
   * The schedules with these ids that exist (every schedule when `ids` is null), read through `em`,
   * keyed by id in lower case.
   */
  async load(em: EntityManager, wanted: readonly string[] | null): Promise<Map<string, Schedule>> {
    const ids = wanted && [...new Set(wanted.filter(isUuid).map((id) => id.toLowerCase()))];
    if (ids !== null && ids.length === 0) return new Map();
    const revisions: { id: string; revision: number }[] = await em.query(
      `SELECT "id", "revision" FROM "notifier"."schedules" WHERE $1::uuid[] IS NULL OR "id" = ANY($1::uuid[])`,
      [ids],
    );
    const stale = revisions.filter((r) => this.cache.get(r.id)?.revision !== r.revision).map((r) => r.id);
    if (stale.length > 0) {
      const rows: { id: string; revision: number; time_zone: string; layers: unknown; overrides: unknown }[] =
        await em.query(
          `SELECT "id", "revision", "time_zone", "layers", "overrides" FROM "notifier"."schedules"
           WHERE "id" = ANY($1::uuid[])`,
          [stale],
        );
      for (const row of rows) {
        this.cache.set(row.id, {
          revision: row.revision,
          schedule: this.compile(row.id, {
            timeZone: row.time_zone,
            layers: row.layers,
            overrides: row.overrides,
          }),
        });
      }
    }
    const present = new Set(revisions.map((r) => r.id));
    for (const id of ids ?? [...this.cache.keys()]) if (!present.has(id)) this.cache.delete(id);
    const found = new Map<string, Schedule>();
    for (const { id } of revisions) {
      const compiled = this.cache.get(id);
      if (compiled) found.set(id, compiled.schedule);
    }
    return found;
  }

  /**
   * A stored definition was valid when it was saved; should it stop being valid (a time zone gone from
   * the zone data), the schedule has nobody on call, which the policy check reports as a gap.
   */
  private compile(id: string, definition: unknown): Schedule {
    const result = validateSchedule(definition);
    if (result.ok) return result.schedule;
    this.logger.error(
      { scheduleId: id, problems: result.problems.map(problemText) },
      'a stored schedule no longer validates; nobody is on call in it',
    );
    return NOBODY;
  }
}
