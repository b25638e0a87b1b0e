import { Injectable } from '@nestjs/common';
import { NotifierSettings } from '@tocsin/config';
import type {
  FeedByTokenRequest,
  FeedRequest,
  FeedView,
  IdRequest,
  OnCallRequest,
  OnCallView,
  Page,
  PageQuery,
  ScheduleBody,
  ScheduleView,
  ShiftView,
  ShiftsRequest,
  UpdateScheduleRequest,
} from '@tocsin/contracts';
import { RpcFailure, uuidv7 } from '@tocsin/messaging';
import { decodeCursor, encodeCursor } from '@tocsin/persistence';
import { DataSource, type EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { Clock } from '../clock';
import { isForeignKeyViolation, isUniqueViolation } from '../database-errors';
import { calendar } from '../schedules/icalendar';
import { DAY, parseInstant } from '../schedules/local-time';
import { MAX_RANGE_MS, onCallAt, shiftsBetween } from '../schedules/on-call';
import type { Schedule, Shift } from '../schedules/schedule';
import { validateSchedule } from '../schedules/validate-schedule';
import { CompiledSchedules } from './compiled-schedules';
import { hashFeedToken, newFeedToken } from './feed-token';
import { ScheduleRecord, ScheduleUserRecord } from './on-call.entities';
import { stillNamed } from './references';
import {
  canonicalUserIds,
  existingIds,
  isUuid,
  problemText,
  scheduleUsers,
} from './references-in-definitions';

/** `GET …/shifts` without `to`: a week. */
const SHIFTS_DAYS = 7;
/** A feed without `from` starts a week back, and without `to` runs 90 days. */
const FEED_PAST_DAYS = 7;
const FEED_DAYS = 90;
/**
 * The most events in one feed: a feed travels in one NATS message (1 MiB by default), and an event
 * takes about 400 bytes. An hourly rotation's feed stops after 1,000 shifts (about 41 days).
 */
export const FEED_MAX_EVENTS = 1000;

interface Definition {
  timeZone: unknown;
  layers: unknown;
  overrides: unknown;
}

function conflict(message: string): RpcFailure {
  return new RpcFailure(409, 'conflict', message);
}

function iso(instant: number): string {
  return new Date(instant).toISOString();
}

/** An instant from a request (already shaped by the contract), or the reason it is refused. */
function instant(text: string, name: string): number {
  const value = parseInstant(text);
  if (value === null) {
    throw RpcFailure.invalid([`${name}: not a date and time in 1970–2199 with Z or an offset`]);
  }
  return value;
}

/** `[from, to)` from a request, with defaults; refused when empty, reversed or longer than 400 days. */
function range(
  request: { from?: string; to?: string },
  defaultFrom: number,
  defaultDays: number,
): { from: number; to: number } {
  const from = request.from ? instant(request.from, 'from') : defaultFrom;
  const to = request.to ? instant(request.to, 'to') : from + defaultDays * DAY;
  if (to <= from) throw RpcFailure.invalid(['to: must be after from']);
  if (to - from > MAX_RANGE_MS)
    throw RpcFailure.invalid([`to: at most ${MAX_RANGE_MS / DAY} days after from`]);
  return { from, to };
}

/**
 * Schedules: stored as written, checked with validateSchedule and against the users table, compiled
 * once per change (CompiledSchedules), and asked who is on call, for shifts and for an iCalendar feed.
 */
@Injectable()
export class SchedulesService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly compiled: CompiledSchedules,
    private readonly settings: NotifierSettings,
    private readonly clock: Clock,
  ) {}

  /** Creates a schedule with a feed token, shown in this answer only. */
  async create(body: ScheduleBody): Promise<ScheduleView> {
    const definition = canonicalUserIds({
      timeZone: body.timeZone,
      layers: body.layers,
      overrides: body.overrides ?? [],
    });
    const id = uuidv7();
    const token = newFeedToken();
    await this.dataSource.transaction(async (em) => {
      const userIds = await this.check(em, definition);
      await this.write(body.name, () =>
        em.getRepository(ScheduleRecord).insert({
          id,
          name: body.name,
          description: body.description ?? null,
          timeZone: definition.timeZone,
          layers: definition.layers,
          overrides: definition.overrides,
          feedTokenHash: hashFeedToken(token),
        }),
      );
      await this.nameUsers(em, id, userIds);
    });
    return this.withToken(await this.find(id), token);
  }

  async list(request: PageQuery): Promise<Page<ScheduleView>> {
    const limit = request.limit ?? 50;
    const q = this.dataSource
      .getRepository(ScheduleRecord)
      .createQueryBuilder('s')
      .orderBy('s.id', 'ASC')
      .take(limit + 1);
    const after = afterCursor(request.cursor);
    if (after) q.andWhere('s.id > :after', { after });
    const rows = await q.getMany();
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((s) => this.view(s)),
      nextCursor: rows.length > limit && last ? encodeCursor([last.id]) : null,
    };
  }

  async get(request: IdRequest): Promise<ScheduleView> {
    return this.view(await this.find(request.id));
  }

  /** Changes the fields given; a new definition is checked whole, as on create. */
  async update(request: UpdateScheduleRequest): Promise<ScheduleView> {
    await this.dataSource.transaction(async (em) => {
      const current = await em
        .getRepository(ScheduleRecord)
        .findOne({ where: { id: request.id }, lock: { mode: 'pessimistic_write' } });
      if (!current) throw RpcFailure.notFound('schedule', request.id);
      const changes: QueryDeepPartialEntity<ScheduleRecord> = { updatedAt: () => 'now()' };
      if (request.name !== undefined) changes.name = request.name;
      if (request.description !== undefined) changes.description = request.description;
      const redefined =
        request.timeZone !== undefined || request.layers !== undefined || request.overrides !== undefined;
      if (redefined) {
        const definition = canonicalUserIds({
          timeZone: request.timeZone ?? current.timeZone,
          layers: request.layers ?? current.layers,
          overrides: request.overrides ?? current.overrides,
        });
        const userIds = await this.check(em, definition);
        Object.assign(changes, {
          timeZone: definition.timeZone,
          layers: definition.layers,
          overrides: definition.overrides,
          revision: () => '"revision" + 1',
        });
        await em.getRepository(ScheduleUserRecord).delete({ scheduleId: current.id });
        await this.nameUsers(em, current.id, userIds);
      }
      await this.write(request.name ?? current.name, () =>
        em.getRepository(ScheduleRecord).update({ id: current.id }, changes),
      );
    });
    return this.get({ id: request.id });
  }

  /** Deletes a schedule; refused (409, naming them) while an escalation policy targets it. */
  async remove(request: IdRequest): Promise<{ deleted: true }> {
    try {
      const result = await this.dataSource.getRepository(ScheduleRecord).delete({ id: request.id });
      if (!result.affected) throw RpcFailure.notFound('schedule', request.id);
    } catch (error) {
      if (isForeignKeyViolation(error))
        throw await stillNamed(this.dataSource.manager, 'schedule', request.id);
      throw error;
    }
    return { deleted: true };
  }

  /** A new feed token, shown in this answer only; the old feed URL stops working. */
  async rotateFeedToken(request: IdRequest): Promise<ScheduleView> {
    const token = newFeedToken();
    const result = await this.dataSource
      .getRepository(ScheduleRecord)
      .update({ id: request.id }, { feedTokenHash: hashFeedToken(token), updatedAt: () => 'now()' });
    if (!result.affected) throw RpcFailure.notFound('schedule', request.id);
    return this.withToken(await this.find(request.id), token);
  }

  /** Who is on call at `at` (default now): the shift that holds it, or null. */
  async onCall(request: OnCallRequest): Promise<OnCallView> {
    const at = request.at ? instant(request.at, 'at') : this.clock.now().getTime();
    const schedule = await this.compiledOne(request.id);
    const shift = onCallAt(schedule, at);
    return {
      scheduleId: request.id.toLowerCase(),
      at: iso(at),
      shift: shift ? (await this.shiftViews([shift]))[0] : null,
    };
  }

  /**
   * The final shifts that meet `[from, to)`, in order, each with its full extent; paged: the cursor is
   * the end of the last shift handed out, where the next page starts.
   */
  async shifts(request: ShiftsRequest): Promise<Page<ShiftView>> {
    const { from, to } = range(request, this.clock.now().getTime(), SHIFTS_DAYS);
    let start = from;
    if (request.cursor) {
      const parts = decodeCursor(request.cursor);
      const after = parts?.[0];
      if (typeof after !== 'number' || after < from || after >= to) {
        throw RpcFailure.invalid(['cursor is not one this api handed out for this range']);
      }
      start = after;
    }
    const limit = request.limit ?? 50;
    const schedule = await this.compiledOne(request.id);
    const found = shiftsBetween(schedule, start, to);
    const page = found.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: await this.shiftViews(page),
      nextCursor: found.length > limit && last ? encodeCursor([last.end]) : null,
    };
  }

  /** The iCalendar feed of a schedule (or of one user's shifts in it). */
  async feed(request: FeedRequest): Promise<FeedView> {
    return this.feedOf(await this.find(request.id), request);
  }

  /** The feed for a feed URL's token; a token that is no schedule's is a 404. */
  async feedByToken(request: FeedByTokenRequest): Promise<FeedView> {
    const record = await this.dataSource
      .getRepository(ScheduleRecord)
      .findOneBy({ feedTokenHash: hashFeedToken(request.token) });
    if (!record) throw new RpcFailure(404, 'not_found', 'no schedule feed has this token');
    return this.feedOf(record, request);
  }

  private async feedOf(
    record: ScheduleRecord,
    request: { from?: string; to?: string; userId?: string },
  ): Promise<FeedView> {
    const now = this.clock.now().getTime();
    const { from, to } = range(request, now - FEED_PAST_DAYS * DAY, FEED_DAYS);
    const userId = request.userId?.toLowerCase();
    const schedule = await this.compiledOne(record.id);
    const shifts = shiftsBetween(schedule, from, to)
      .filter((shift) => userId === undefined || shift.userIds.includes(userId))
      .slice(0, FEED_MAX_EVENTS);
    const users = await this.users(shifts.flatMap((s) => s.userIds));
    return {
      calendar: calendar(shifts, {
        scheduleId: record.id,
        name: record.name,
        from,
        to,
        userId,
        generatedAt: now,
        uidDomain: new URL(this.settings.TOCSIN_API_URL).hostname,
        displayName: (id) => users.get(id)?.name ?? id,
      }),
    };
  }

  /** Every problem of a definition at once: validateSchedule's, then users that do not exist. */
  private async check(em: EntityManager, definition: Definition): Promise<string[]> {
    const result = validateSchedule(definition);
    const problems = result.ok ? [] : result.problems.map(problemText);
    const references = scheduleUsers(definition);
    const existing = await existingIds(
      em,
      'users',
      references.map((r) => r.id),
    );
    for (const { path, id } of references) {
      if (!existing.has(id.toLowerCase()))
        problems.push(`${path}: user ${JSON.stringify(id)} does not exist`);
    }
    if (problems.length > 0) throw RpcFailure.invalid(problems);
    return [...existing];
  }

  private async nameUsers(em: EntityManager, scheduleId: string, userIds: string[]): Promise<void> {
    if (userIds.length === 0) return;
    await em.getRepository(ScheduleUserRecord).insert(userIds.map((userId) => ({ scheduleId, userId })));
  }

  /** Runs a write of the schedule's row, answering 409 when another schedule has the name. */
  private async write(name: string, run: () => Promise<unknown>): Promise<void> {
    try {
      await run();
    } catch (error) {
      if (isUniqueViolation(error, 'uq_schedules_name')) throw conflict(`a schedule named ${name} exists`);
      throw error;
    }
  }

  private async find(id: string): Promise<ScheduleRecord> {
    const record = await this.dataSource.getRepository(ScheduleRecord).findOneBy({ id });
    if (!record) throw RpcFailure.notFound('schedule', id);
    return record;
  }

  private async compiledOne(id: string): Promise<Schedule> {
    const schedule = (await this.compiled.load(this.dataSource.manager, [id])).get(id.toLowerCase());
    if (!schedule) throw RpcFailure.notFound('schedule', id);
    return schedule;
  }

  private async users(ids: string[]): Promise<Map<string, ShiftView['users'][number]>> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return new Map();
    const rows: ShiftView['users'] = await this.dataSource.query(
      `SELECT "id", "name", "email" FROM "notifier"."users" WHERE "id" = ANY($1::uuid[])`,
      [unique],
    );
    return new Map(rows.map((u) => [u.id, u]));
  }

  private async shiftViews(shifts: Shift[]): Promise<ShiftView[]> {
    const users = await this.users(shifts.flatMap((s) => s.userIds));
    return shifts.map((shift) => ({
      start: iso(shift.start),
      end: iso(shift.end),
      userIds: shift.userIds,
      users: shift.userIds.flatMap((id) => {
        const user = users.get(id);
        return user ? [user] : [];
      }),
      source: shift.source,
    }));
  }

  private withToken(record: ScheduleRecord, token: string): ScheduleView {
    const view = this.view(record);
    return { ...view, feedToken: token, feedUrl: view.feedUrl.replace('{token}', token) };
  }

  private view(s: ScheduleRecord): ScheduleView {
    return {
      id: s.id,
      name: s.name,
      description: s.description,
      timeZone: s.timeZone,
      layers: s.layers as ScheduleView['layers'],
      overrides: s.overrides as ScheduleView['overrides'],
      // The URL holds the token, which is never stored: shown in full only when created or rotated.
      feedUrl: `${this.settings.TOCSIN_API_URL.replace(/\/$/, '')}/ical/{token}`,
      createdAt: s.createdAt.toISOString(),
      updatedAt: s.updatedAt.toISOString(),
    };
  }
}

function afterCursor(cursor: string | undefined): string | undefined {
  if (!cursor) return undefined;
  const parts = decodeCursor(cursor);
  if (!parts || typeof parts[0] !== 'string' || !isUuid(parts[0]))
    throw RpcFailure.invalid(['cursor is not one this api handed out']);
  return parts[0];
}
