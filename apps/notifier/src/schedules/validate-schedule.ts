import { layerConflicts } from './layer-conflicts';
import {
  DAY,
  HOUR,
  WEEK,
  knownTimeZone,
  parseInstant,
  parseLocalDate,
  parseLocalDateTime,
  parseTimeOfDay,
} from './local-time';
import {
  WEEKDAYS,
  type Layer,
  type Override,
  type Problem,
  type Schedule,
  type ScheduleDefinition,
  type ShiftUnit,
  type Window,
} from './schedule';

/** Bounds on what one schedule may hold, so that a definition cannot make the functions do unbounded work. */
export const SCHEDULE_LIMITS = {
  layers: 20,
  participants: 200,
  usersPerParticipant: 20,
  restrictionsPerLayer: 14,
  overrides: 1000,
  idLength: 200,
  /** The longest custom shift, in each unit. */
  shiftLength: { hours: 24 * 7 * 8, days: 7 * 8, weeks: 8 } satisfies Record<ShiftUnit, number>,
} as const;

const UNIT_MS: Record<ShiftUnit, number> = { hours: HOUR, days: DAY, weeks: WEEK };

export type ScheduleValidation = { ok: true; schedule: Schedule } | { ok: false; problems: Problem[] };

/**
 * Checks a schedule definition (any JSON value) and compiles it into a `Schedule`. Answers every problem
 * found, each with its path and reason: unknown time zone, malformed dates and times, empty participants,
 * a zero, negative or fractional shift length, a layer that ends before its first hand-off, an override
 * that ends before it starts, duplicate ids, unknown fields, and contradictory layers: two layers of one
 * level that are active at the same time, or a layer that higher layers hide everywhere (see the README).
 */
export function validateSchedule(input: unknown): ScheduleValidation {
  const problems: Problem[] = [];
  const out = new Collector(problems);
  if (!isRecord(input)) return { ok: false, problems: [{ path: '', reason: 'a schedule is an object' }] };
  out.keys(input, '', ['timeZone', 'layers', 'overrides']);

  let timeZone: string | null = null;
  if (typeof input.timeZone !== 'string') out.add('timeZone', 'an IANA time zone name is required');
  else {
    timeZone = knownTimeZone(input.timeZone);
    if (timeZone === null) {
      out.add(
        'timeZone',
        `unknown time zone ${quote(input.timeZone)}: use an IANA name such as Europe/Berlin`,
      );
    }
  }

  const layers: Layer[] = [];
  const positions = new Map<Layer, number>();
  if (!Array.isArray(input.layers) || input.layers.length === 0) {
    out.add('layers', 'a schedule needs at least one layer');
  } else if (input.layers.length > SCHEDULE_LIMITS.layers) {
    out.add('layers', `at most ${SCHEDULE_LIMITS.layers} layers`);
  } else {
    const ids = new Set<string>();
    input.layers.forEach((raw: unknown, index) => {
      const layer = parseLayer(raw, index, out);
      if (!layer) return;
      if (ids.has(layer.id))
        out.add(`layers[${index}].id`, `another layer is already named ${quote(layer.id)}`);
      ids.add(layer.id);
      layers.push(layer);
      positions.set(layer, index);
    });
    // Among the layers that are valid on their own: the others cannot be placed in time.
    for (const conflict of layerConflicts(layers)) {
      out.add(`layers[${positions.get(conflict.layer)}]`, conflict.reason);
    }
  }

  const overrides: Override[] = [];
  if (input.overrides !== undefined) {
    if (!Array.isArray(input.overrides)) out.add('overrides', 'overrides are a list');
    else if (input.overrides.length > SCHEDULE_LIMITS.overrides) {
      out.add('overrides', `at most ${SCHEDULE_LIMITS.overrides} overrides`);
    } else {
      const ids = new Set<string>();
      input.overrides.forEach((raw: unknown, index) => {
        const override = parseOverride(raw, `overrides[${index}]`, out);
        if (!override) return;
        if (ids.has(override.id)) {
          out.add(`overrides[${index}].id`, `another override is already named ${quote(override.id)}`);
        }
        ids.add(override.id);
        overrides.push(override);
      });
    }
  }

  if (problems.length > 0 || timeZone === null) return { ok: false, problems };
  return { ok: true, schedule: { timeZone, layers, overrides } };
}

/** Like `validateSchedule`, for a definition already typed; throws with every problem when it is invalid. */
export function compileSchedule(definition: ScheduleDefinition): Schedule {
  const result = validateSchedule(definition);
  if (!result.ok) {
    throw new Error(`invalid schedule: ${result.problems.map((p) => `${p.path}: ${p.reason}`).join('; ')}`);
  }
  return result.schedule;
}

function parseLayer(raw: unknown, index: number, out: Collector): Layer | null {
  const path = `layers[${index}]`;
  if (!isRecord(raw)) {
    out.add(path, 'a layer is an object');
    return null;
  }
  const before = out.count;
  out.keys(raw, path, ['id', 'level', 'rotation', 'participants', 'end', 'restrictions']);
  const id = out.id(raw.id, `${path}.id`);

  let level = index + 1;
  if (raw.level !== undefined) {
    if (!Number.isSafeInteger(raw.level) || (raw.level as number) < 0 || (raw.level as number) > 1000) {
      out.add(`${path}.level`, 'a whole number from 0 to 1000');
    } else level = raw.level as number;
  }

  const rotation = parseRotation(raw.rotation, `${path}.rotation`, out);
  const participants = parseParticipants(raw.participants, `${path}.participants`, out);

  let endLocal: number | null = null;
  if (raw.end !== undefined) {
    const end = typeof raw.end === 'string' ? parseLocalDateTime(raw.end) : null;
    if (end === null) out.add(`${path}.end`, 'a local date and time, YYYY-MM-DDTHH:mm, in 1970–2199');
    else if (rotation && end <= rotation.anchorLocal) {
      out.add(`${path}.end`, 'the layer ends at or before its first hand-off');
    } else endLocal = end;
  }

  const windows: Window[] = [];
  if (raw.restrictions !== undefined) {
    if (!Array.isArray(raw.restrictions)) out.add(`${path}.restrictions`, 'restrictions are a list');
    else if (raw.restrictions.length > SCHEDULE_LIMITS.restrictionsPerLayer) {
      out.add(`${path}.restrictions`, `at most ${SCHEDULE_LIMITS.restrictionsPerLayer} restrictions`);
    } else {
      raw.restrictions.forEach((restriction: unknown, i) => {
        const window = parseRestriction(restriction, `${path}.restrictions[${i}]`, out);
        if (window) windows.push(window);
      });
    }
  }

  if (out.count > before || id === null || rotation === null || participants === null) return null;
  return { id, level, ...rotation, participants, endLocal, windows };
}

function parseRotation(
  raw: unknown,
  path: string,
  out: Collector,
): { anchorLocal: number; shiftLocal: number } | null {
  if (!isRecord(raw)) {
    out.add(path, 'a rotation is an object: type, startDate, handoffTime');
    return null;
  }
  const before = out.count;
  out.keys(raw, path, ['type', 'startDate', 'handoffTime', 'shiftLength', 'unit']);
  const date = typeof raw.startDate === 'string' ? parseLocalDate(raw.startDate) : null;
  if (date === null) out.add(`${path}.startDate`, 'a local date, YYYY-MM-DD, in 1970–2199');
  const time = typeof raw.handoffTime === 'string' ? parseTimeOfDay(raw.handoffTime) : null;
  if (time === null) out.add(`${path}.handoffTime`, 'a local time, HH:mm, from 00:00 to 23:59');

  let shiftLocal: number | null = null;
  const fixed: Record<string, number> = { hourly: HOUR, daily: DAY, weekly: WEEK };
  if (typeof raw.type === 'string' && raw.type in fixed) {
    shiftLocal = fixed[raw.type];
    if (raw.shiftLength !== undefined || raw.unit !== undefined) {
      out.add(
        path,
        `shiftLength and unit are for custom rotations; a ${raw.type} rotation has its own length`,
      );
    }
  } else if (raw.type === 'custom') {
    const unit = raw.unit;
    if (unit !== 'hours' && unit !== 'days' && unit !== 'weeks') {
      out.add(`${path}.unit`, 'one of hours, days, weeks');
    }
    const length = raw.shiftLength;
    if (typeof length !== 'number' || !Number.isFinite(length)) {
      out.add(`${path}.shiftLength`, 'a custom rotation needs a shift length, a whole number');
    } else if (length <= 0) {
      out.add(`${path}.shiftLength`, `the shift length must be positive, not ${length}`);
    } else if (!Number.isInteger(length)) {
      out.add(`${path}.shiftLength`, 'the shift length is a whole number of units');
    } else if (unit === 'hours' || unit === 'days' || unit === 'weeks') {
      if (length > SCHEDULE_LIMITS.shiftLength[unit]) {
        out.add(`${path}.shiftLength`, `at most ${SCHEDULE_LIMITS.shiftLength[unit]} ${unit}`);
      } else shiftLocal = length * UNIT_MS[unit];
    }
  } else {
    out.add(`${path}.type`, 'one of hourly, daily, weekly, custom');
  }
  if (out.count > before || date === null || time === null || shiftLocal === null) return null;
  return { anchorLocal: date + time, shiftLocal };
}

function parseParticipants(raw: unknown, path: string, out: Collector): string[][] | null {
  if (!Array.isArray(raw) || raw.length === 0) {
    out.add(path, 'a layer needs at least one participant');
    return null;
  }
  if (raw.length > SCHEDULE_LIMITS.participants) {
    out.add(path, `at most ${SCHEDULE_LIMITS.participants} participants`);
    return null;
  }
  const before = out.count;
  const participants = raw.map((entry: unknown, index): string[] => {
    const at = `${path}[${index}]`;
    if (typeof entry === 'string') {
      const id = out.id(entry, at);
      return id === null ? [] : [id];
    }
    if (!Array.isArray(entry) || entry.length === 0) {
      out.add(at, 'a participant is a user id, or a non-empty list of user ids on call together');
      return [];
    }
    if (entry.length > SCHEDULE_LIMITS.usersPerParticipant) {
      out.add(at, `at most ${SCHEDULE_LIMITS.usersPerParticipant} users on call together`);
      return [];
    }
    const ids = entry.map((user: unknown, i) => out.id(user, `${at}[${i}]`));
    if (new Set(ids).size !== ids.length) out.add(at, 'a user appears twice in one participant');
    return ids.filter((id): id is string => id !== null);
  });
  return out.count > before ? null : participants;
}

function parseRestriction(raw: unknown, path: string, out: Collector): Window | null {
  if (!isRecord(raw)) {
    out.add(path, 'a restriction is an object');
    return null;
  }
  const start = typeof raw.startTime === 'string' ? parseTimeOfDay(raw.startTime) : null;
  const end = typeof raw.endTime === 'string' ? parseTimeOfDay(raw.endTime) : null;
  const times = () => {
    if (start === null) out.add(`${path}.startTime`, 'a local time, HH:mm');
    if (end === null) out.add(`${path}.endTime`, 'a local time, HH:mm');
  };
  if (raw.type === 'daily') {
    out.keys(raw, path, ['type', 'startTime', 'endTime']);
    times();
    if (start === null || end === null) return null;
    if (start === end) {
      out.add(
        path,
        'a daily restriction from a time to the same time is empty; leave it out to be always active',
      );
      return null;
    }
    return { period: DAY, offset: start, length: (end - start + DAY) % DAY };
  }
  if (raw.type === 'weekly') {
    out.keys(raw, path, ['type', 'startDay', 'startTime', 'endDay', 'endTime']);
    times();
    const startDay = WEEKDAYS.indexOf(raw.startDay as never);
    const endDay = WEEKDAYS.indexOf(raw.endDay as never);
    if (startDay < 0) out.add(`${path}.startDay`, `one of ${WEEKDAYS.join(', ')}`);
    if (endDay < 0) out.add(`${path}.endDay`, `one of ${WEEKDAYS.join(', ')}`);
    if (start === null || end === null || startDay < 0 || endDay < 0) return null;
    const from = startDay * DAY + start;
    const to = endDay * DAY + end;
    if (from === to) {
      out.add(
        path,
        'a weekly restriction from a time to the same time is empty; leave it out to be always active',
      );
      return null;
    }
    return { period: WEEK, offset: from, length: (to - from + WEEK) % WEEK };
  }
  out.add(`${path}.type`, 'one of daily, weekly');
  return null;
}

function parseOverride(raw: unknown, path: string, out: Collector): Override | null {
  if (!isRecord(raw)) {
    out.add(path, 'an override is an object: id, userId, start, end');
    return null;
  }
  const before = out.count;
  out.keys(raw, path, ['id', 'userId', 'start', 'end']);
  const id = out.id(raw.id, `${path}.id`);
  const userId = out.id(raw.userId, `${path}.userId`);
  const instant = (value: unknown, at: string) => {
    const parsed = typeof value === 'string' ? parseInstant(value) : null;
    if (parsed === null) {
      out.add(at, 'an ISO 8601 date and time with Z or an offset, e.g. 2025-03-30T09:00:00+02:00');
    }
    return parsed;
  };
  const start = instant(raw.start, `${path}.start`);
  const end = instant(raw.end, `${path}.end`);
  if (start !== null && end !== null && end <= start) {
    out.add(
      `${path}.end`,
      end === start ? 'the override ends when it starts' : 'the override ends before it starts',
    );
  }
  if (out.count > before || id === null || userId === null || start === null || end === null) return null;
  return { id, userIds: [userId], start, end };
}

class Collector {
  constructor(private readonly problems: Problem[]) {}

  get count(): number {
    return this.problems.length;
  }

  add(path: string, reason: string): void {
    this.problems.push({ path, reason });
  }

  keys(record: Record<string, unknown>, path: string, allowed: string[]): void {
    for (const key of Object.keys(record)) {
      if (!allowed.includes(key))
        this.add(path ? `${path}.${key}` : key, `unknown field; expected ${allowed.join(', ')}`);
    }
  }

  id(value: unknown, path: string): string | null {
    if (typeof value !== 'string' || value.trim().length === 0) {
      this.add(path, 'a non-empty string');
      return null;
    }
    if (value.length > SCHEDULE_LIMITS.idLength) {
      this.add(path, `at most ${SCHEDULE_LIMITS.idLength} characters`);
      return null;
    }
    return value;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function quote(text: string): string {
  return JSON.stringify(text.length > 100 ? `${text.slice(0, 100)}…` : text);
}
