import { createHash } from 'node:crypto';
import { shiftsBetween } from './on-call';
import type { Schedule, Shift } from './schedule';

/*
 * An iCalendar (RFC 5545) feed of a schedule's final shifts, for calendar subscriptions. Times are UTC
 * (`DTSTART:20250330T070000Z`), so the feed needs no VTIMEZONE and means the same in every client; lines
 * end in CRLF and are folded at 75 octets without splitting a UTF-8 character; text is escaped. Each
 * event's UID is derived from the schedule, the feed's scope, the shift's origin and its start, so the
 * same shift keeps its UID every time the feed is fetched.
 */

export interface FeedOptions {
  scheduleId: string;
  /** The calendar's name, shown by clients. */
  name: string;
  /** The instants (ms) whose shifts the feed holds. */
  from: number;
  to: number;
  /** Only this user's shifts; none: every shift of the schedule. */
  userId?: string;
  /** When the feed is made: every event's DTSTAMP. */
  generatedAt: number;
  /** The right-hand side of UIDs, a host name of the installation (e.g. `tocsin.example.com`). */
  uidDomain: string;
  /** How to name a user in event titles; defaults to the user id. */
  displayName?: (userId: string) => string;
}

/** The iCalendar feed of a schedule's final shifts that meet `[from, to)`. */
export function scheduleFeed(schedule: Schedule, options: FeedOptions): string {
  const shifts = shiftsBetween(schedule, options.from, options.to).filter(
    (shift) => options.userId === undefined || shift.userIds.includes(options.userId),
  );
  return calendar(shifts, options);
}

/** The iCalendar text of the given shifts; `scheduleFeed` with the shifts chosen by the caller. */
export function calendar(shifts: readonly Shift[], options: FeedOptions): string {
  const name = options.displayName ?? ((id: string) => id);
  const scope = options.userId ?? '*';
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Tocsin//On-call schedules//EN',
    'CALSCALE:GREGORIAN',
    'METHOD:PUBLISH',
    `NAME:${escapeText(options.name)}`,
    `X-WR-CALNAME:${escapeText(options.name)}`,
    'REFRESH-INTERVAL;VALUE=DURATION:PT1H',
    'X-PUBLISHED-TTL:PT1H',
  ];
  for (const shift of shifts) {
    const origin =
      shift.source.kind === 'override'
        ? `override ${shift.source.overrideId}`
        : `layer ${shift.source.layerId}, shift ${shift.source.slot + 1}`;
    const people = shift.userIds.map(name).join(', ');
    lines.push(
      'BEGIN:VEVENT',
      `UID:${escapeText(uid(options, scope, shift))}`,
      `DTSTAMP:${utc(options.generatedAt)}`,
      `DTSTART:${utc(shift.start)}`,
      `DTEND:${utc(shift.end)}`,
      `SUMMARY:${escapeText(options.userId === undefined ? `On call: ${people}` : `On call: ${options.name}`)}`,
      `DESCRIPTION:${escapeText(`${options.name}\nOn call: ${people}\nFrom ${origin}`)}`,
      'TRANSP:TRANSPARENT',
      'END:VEVENT',
    );
  }
  lines.push('END:VCALENDAR');
  return lines.map(foldLine).join('\r\n') + '\r\n';
}

/** Escapes a TEXT value (RFC 5545 3.3.11): backslash, semicolon, comma and line breaks; drops controls. */
export function escapeText(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/[\\;,]/g, (c) => `\\${c}`)
    .replace(/\n/g, '\\n')
    .replace(/\p{Cc}/gu, (c) => (c === '\t' ? c : ''));
}

/**
 * Folds a content line (RFC 5545 3.1): no line longer than 75 octets; continuation lines begin with a
 * space, which counts among their 75. Never splits inside a UTF-8 character. Answers the lines joined
 * by CRLF.
 */
export function foldLine(line: string): string {
  const parts: string[] = [];
  let current = '';
  let octets = 0;
  for (const char of line) {
    const size = Buffer.byteLength(char, 'utf8');
    if (octets + size > 75) {
      parts.push(current);
      current = ' ';
      octets = 1;
    }
    current += char;
    octets += size;
  }
  parts.push(current);
  return parts.join('\r\n');
}

/** A UTC DATE-TIME value: `20250330T070000Z` (seconds; milliseconds are dropped). */
function utc(instant: number): string {
  return new Date(instant)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

function uid(options: FeedOptions, scope: string, shift: Shift): string {
  const origin =
    shift.source.kind === 'override'
      ? `override\u0000${shift.source.overrideId}`
      : `layer\u0000${shift.source.layerId}\u0000${shift.source.slot}`;
  const digest = createHash('sha256')
    .update([options.scheduleId, scope, origin, String(shift.start)].join('\u0000'))
    .digest('hex')
    .slice(0, 32);
  return `${digest}@${options.uidDomain}`;
}
