import { IANAZone } from 'luxon';

/*
 * Wall-clock time in a time zone, as plain numbers.
 *
 * A "local" value is a wall-clock reading (date and time on the clocks of the zone) written as the
 * milliseconds since 1970-01-01T00:00 of a clock that never changes: `Date.UTC(y, m, d, h, min)`.
 * Arithmetic on local values is calendar arithmetic (one day is always 24 hours of clock time), so
 * "the next hand-off is tomorrow at 09:00" is `local + DAY`. Only `toInstant` turns a local value into a
 * real instant, and it is the one place where daylight saving time is decided:
 *
 * - a local time that exists once is that instant;
 * - a local time that does not exist (skipped when clocks go forward) becomes the first instant after
 *   the skipped span, the moment the clocks jump: 02:30 on the spring day in Europe/Berlin is 03:00 CEST;
 * - a local time that exists twice (clocks go back) is its first occurrence, still on the summer offset:
 *   02:30 on the autumn day in Europe/Berlin is 02:30 CEST (00:30 UTC), not 02:30 CET.
 *
 * `toInstant` never decreases when its argument grows, so intervals of local time become intervals of
 * instants in the same order, and local intervals that do not meet never meet as instants.
 */

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
export const WEEK = 7 * DAY;

/** The first and last local dates a schedule may use (the zone data before 1970 has offsets in seconds). */
export const FIRST_YEAR = 1970;
export const LAST_YEAR = 2199;

const zones = new Map<string, IANAZone>();

/**
 * The zone name to keep for a name people wrote, or null when it is no IANA time zone. The name is
 * kept as written (`Asia/Kolkata` stays `Asia/Kolkata`, though the ICU data calls it `Asia/Calcutta`);
 * fixed offsets such as `+02:00` are refused, since they know no daylight saving time.
 */
export function knownTimeZone(name: string): string | null {
  if (name.length === 0 || name.length > 64 || !/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(name)) return null;
  if (!IANAZone.isValidZone(name)) return null;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name }).format(0);
    return name;
  } catch (_) {
    return null;
  }
}

function zone(name: string): IANAZone {
  let found = zones.get(name);
  if (!found) {
    found = IANAZone.create(name);
    if (!found.isValid) throw new RangeError(`unknown time zone ${JSON.stringify(name)}`);
    zones.set(name, found);
  }
  return found;
}

/** The offset of the zone from UTC at an instant, in milliseconds (east positive). */
export function offsetAt(timeZone: string, instant: number): number {
  const year = new Date(instant).getUTCFullYear();
  const key = `${timeZone}\u0000${year}`;
  let table = offsetTables.get(key);
  if (!table) {
    table = offsetTable(zone(timeZone), year);
    offsetTables.set(key, table);
  }
  // The last change at or before the instant.
  let lo = 0;
  let hi = table.length - 1;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (table[mid].from <= instant) lo = mid;
    else hi = mid - 1;
  }
  return table[lo].offset;
}

/** The offsets of a zone through one UTC year: from each `from` on, `offset` (the first from the year's start). */
type OffsetTable = { from: number; offset: number }[];

const offsetTables = new Map<string, OffsetTable>();
const SAMPLE = 6 * 60 * 60_000;

/**
 * Reads a zone's offsets for a year from the zone data once: samples every six hours (no zone changes
 * its offset twice within six hours) and finds each change to the millisecond by bisection.
 */
function offsetTable(zone: IANAZone, year: number): OffsetTable {
  const offset = (t: number) => Math.round(zone.offset(t) * 60_000);
  const start = Date.UTC(year, 0, 1);
  const end = Date.UTC(year + 1, 0, 1);
  const table: OffsetTable = [{ from: start, offset: offset(start) }];
  for (let t = start; t < end; t += SAMPLE) {
    const next = Math.min(t + SAMPLE, end);
    const after = offset(next);
    if (after === table[table.length - 1].offset) continue;
    let [lo, hi] = [t, next];
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (offset(mid) === after) hi = mid;
      else lo = mid;
    }
    table.push({ from: hi, offset: after });
  }
  return table;
}

/** The wall-clock reading of the zone at an instant. */
export function toLocal(timeZone: string, instant: number): number {
  return instant + offsetAt(timeZone, instant);
}

/** The instant of a wall-clock reading, by the rules in the comment at the top of this file. */
export function toInstant(timeZone: string, local: number): number {
  // Every instant that reads `local` is `local - offset` for an offset the zone uses around then.
  // Offsets lie within ±14 h, so the candidates lie within local ± 14 h; sampling the offsets a little
  // further out on both sides sees both offsets of any single transition near it.
  const offsets = new Set<number>();
  for (const probe of [-38 * HOUR, -14 * HOUR, 0, 14 * HOUR, 38 * HOUR]) {
    offsets.add(offsetAt(timeZone, local + probe));
  }
  let first: number | null = null;
  for (const offset of offsets) {
    const candidate = local - offset;
    if (offsetAt(timeZone, candidate) === offset && (first === null || candidate < first)) first = candidate;
  }
  if (first !== null) return first;
  // Skipped: the clocks jumped over `local`. The answer is the instant of the jump, the first instant
  // whose reading is later than `local`: search between the two readings' candidates.
  const sorted = [...offsets].sort((a, b) => a - b);
  let lo = local - sorted[sorted.length - 1]; // reads earlier than `local`
  let hi = local - sorted[0]; // reads later than `local`
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (toLocal(timeZone, mid) >= local) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** The ISO weekday of a local value: 1 Monday … 7 Sunday. */
export function isoWeekday(local: number): number {
  const day = new Date(local).getUTCDay();
  return day === 0 ? 7 : day;
}

/** The local midnight that starts the day of a local value. */
export function startOfDay(local: number): number {
  return Math.floor(local / DAY) * DAY;
}

/** The local Monday 00:00 that starts the ISO week of a local value. */
export function startOfWeek(local: number): number {
  return startOfDay(local) - (isoWeekday(local) - 1) * DAY;
}

/** Parses `YYYY-MM-DD` into the local value of its midnight, or null when it is not a real date in range. */
export function parseLocalDate(text: string): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (year < FIRST_YEAR || year > LAST_YEAR) return null;
  const value = Date.UTC(year, month - 1, day);
  const check = new Date(value);
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return null;
  return value;
}

/** Parses `HH:mm` (00:00 to 23:59) into milliseconds after midnight, or null. */
export function parseTimeOfDay(text: string): number | null {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text);
  if (!match) return null;
  return Number(match[1]) * HOUR + Number(match[2]) * MINUTE;
}

/** Parses `YYYY-MM-DDTHH:mm` (a wall-clock reading) into a local value, or null. */
export function parseLocalDateTime(text: string): number | null {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})$/.exec(text);
  if (!match) return null;
  const date = parseLocalDate(match[1]);
  const time = parseTimeOfDay(match[2]);
  return date === null || time === null ? null : date + time;
}

/** Writes a local value as `YYYY-MM-DDTHH:mm`. */
export function formatLocal(local: number): string {
  return new Date(local).toISOString().slice(0, 16);
}

const INSTANT =
  /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(?:Z|([+-])(\d{2}):(\d{2}))$/;

/**
 * Parses an ISO 8601 date and time that says its offset (`2025-03-30T09:00:00+02:00`, `…Z`) into
 * milliseconds since the epoch, or null. A time without an offset is refused: it names no instant.
 */
export function parseInstant(text: string): number | null {
  const match = INSTANT.exec(text);
  if (!match) return null;
  const date = parseLocalDate(match[1]);
  const [hour, minute, second] = [Number(match[2]), Number(match[3]), Number(match[4] ?? 0)];
  if (date === null || hour > 23 || minute > 59 || second > 59) return null;
  const millis = Number((match[5] ?? '0').padEnd(3, '0'));
  let offset = 0;
  if (match[6] !== undefined) {
    const [hours, minutes] = [Number(match[7]), Number(match[8])];
    if (hours > 14 || minutes > 59) return null;
    offset = (match[6] === '-' ? -1 : 1) * (hours * HOUR + minutes * MINUTE);
  }
  return date + hour * HOUR + minute * MINUTE + second * 1000 + millis - offset;
}
