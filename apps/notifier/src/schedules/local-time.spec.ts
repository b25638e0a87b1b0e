import fc from 'fast-check';
import { IANAZone } from 'luxon';
import {
  DAY,
  HOUR,
  MINUTE,
  knownTimeZone,
  formatLocal,
  isoWeekday,
  offsetAt,
  parseInstant,
  parseLocalDate,
  parseLocalDateTime,
  parseTimeOfDay,
  startOfWeek,
  toInstant,
  toLocal,
} from './local-time';

const local = (text: string) => {
  const value = parseLocalDateTime(text);
  if (value === null) throw new Error(`bad local time ${text}`);
  return value;
};
const at = (zone: string, text: string) => new Date(toInstant(zone, local(text))).toISOString();

describe('toInstant: wall-clock readings to instants', () => {
  it('reads a time that exists once at its only instant', () => {
    expect(at('Europe/Berlin', '2025-01-15T09:00')).toBe('2025-01-15T08:00:00.000Z');
    expect(at('Europe/Berlin', '2025-07-15T09:00')).toBe('2025-07-15T07:00:00.000Z');
    expect(at('Asia/Kolkata', '2025-03-30T09:00')).toBe('2025-03-30T03:30:00.000Z');
    expect(at('Pacific/Chatham', '2025-07-01T09:00')).toBe('2025-06-30T20:15:00.000Z');
  });

  it.each([
    // zone, skipped reading, the instant the clocks jump (its reading is the end of the skipped span)
    ['Europe/Berlin', '2025-03-30T02:30', '2025-03-30T01:00:00.000Z'],
    ['Europe/Berlin', '2025-03-30T02:00', '2025-03-30T01:00:00.000Z'],
    ['America/New_York', '2025-03-09T02:15', '2025-03-09T07:00:00.000Z'],
    ['Australia/Sydney', '2025-10-05T02:59', '2025-10-04T16:00:00.000Z'],
    ['America/Santiago', '2025-09-07T00:00', '2025-09-07T04:00:00.000Z'],
    ['Pacific/Chatham', '2025-09-28T03:00', '2025-09-27T14:00:00.000Z'],
    ['Australia/Lord_Howe', '2025-10-05T02:10', '2025-10-04T15:30:00.000Z'],
    // Samoa skipped 30 December 2011 altogether.
    ['Pacific/Apia', '2011-12-30T09:00', '2011-12-30T10:00:00.000Z'],
  ])(
    'moves a skipped reading in %s (%s) to the first instant after the skipped span',
    (zone, text, expected) => {
      expect(at(zone, text)).toBe(expected);
      const instant = Date.parse(expected);
      expect(offsetAt(zone, instant - 1)).toBeLessThan(offsetAt(zone, instant));
      expect(toLocal(zone, instant)).toBeGreaterThan(local(text));
      expect(toLocal(zone, instant - 1)).toBeLessThan(local(text));
    },
  );

  it.each([
    // zone, repeated reading, its first occurrence (on the offset before the change)
    ['Europe/Berlin', '2025-10-26T02:30', '2025-10-26T00:30:00.000Z'],
    ['America/New_York', '2025-11-02T01:30', '2025-11-02T05:30:00.000Z'],
    ['Australia/Sydney', '2025-04-06T02:00', '2025-04-05T15:00:00.000Z'],
    ['America/Santiago', '2025-04-05T23:30', '2025-04-06T02:30:00.000Z'],
    ['Pacific/Chatham', '2025-04-06T03:00', '2025-04-05T13:15:00.000Z'],
  ])('reads a repeated time in %s (%s) as its first occurrence', (zone, text, expected) => {
    expect(at(zone, text)).toBe(expected);
    const first = Date.parse(expected);
    // The same reading comes back later, one change of offset further on.
    const second = first + offsetAt(zone, first) - offsetAt(zone, first + 2 * HOUR);
    expect(second).toBeGreaterThan(first);
    expect(toLocal(zone, first)).toBe(local(text));
    expect(toLocal(zone, second)).toBe(local(text));
  });

  it('never goes back when the reading grows, in every zone it is used with', () => {
    const zones = [
      'Europe/Berlin',
      'America/New_York',
      'Australia/Sydney',
      'America/Santiago',
      'Pacific/Chatham',
    ];
    const around = Date.UTC(2025, 0, 1);
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.integer({ min: 0, max: 365 * 24 * 4 }),
        fc.integer({ min: 1, max: 6 * 60 }),
        (zone, quarter, gap) => {
          const a = around + quarter * 15 * MINUTE;
          const b = a + gap * MINUTE;
          expect(toInstant(zone, b)).toBeGreaterThanOrEqual(toInstant(zone, a));
        },
      ),
    );
  });

  it('is the inverse of toLocal for every instant that is the first to show its reading', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'Pacific/Chatham'),
        fc.integer({ min: Date.UTC(2024, 0, 1) / MINUTE, max: Date.UTC(2027, 0, 1) / MINUTE }),
        (zone, minute) => {
          const instant = minute * MINUTE;
          const back = toInstant(zone, toLocal(zone, instant));
          // Either the same instant, or (for the second pass through a repeated hour) an earlier one.
          expect(back === instant || (back < instant && toLocal(zone, back) === toLocal(zone, instant))).toBe(
            true,
          );
        },
      ),
    );
  });
});

describe('offsetAt', () => {
  it('agrees with the zone data at every instant, changes included', () => {
    const zones = [
      'Europe/Berlin',
      'America/New_York',
      'Australia/Lord_Howe',
      'America/Santiago',
      'Pacific/Chatham',
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.integer({ min: Date.UTC(1970, 0, 1), max: Date.UTC(2199, 11, 31) }),
        (zone, instant) => {
          expect(offsetAt(zone, instant)).toBe(IANAZone.create(zone).offset(instant) * MINUTE);
        },
      ),
      { numRuns: 100 },
    );
    // To the millisecond around a change.
    const change = Date.parse('2025-03-30T01:00:00Z');
    expect(offsetAt('Europe/Berlin', change - 1)).toBe(HOUR);
    expect(offsetAt('Europe/Berlin', change)).toBe(2 * HOUR);
  });
});

describe('parsing', () => {
  it('reads local dates and refuses dates that do not exist or are out of range', () => {
    expect(parseLocalDate('2024-02-29')).toBe(Date.UTC(2024, 1, 29));
    for (const bad of [
      '2025-02-29',
      '2025-13-01',
      '2025-1-01',
      '1969-12-31',
      '2200-01-01',
      '2025-01-01T00:00',
    ]) {
      expect(parseLocalDate(bad)).toBeNull();
    }
  });

  it('reads times of day from 00:00 to 23:59', () => {
    expect(parseTimeOfDay('00:00')).toBe(0);
    expect(parseTimeOfDay('23:59')).toBe(23 * HOUR + 59 * MINUTE);
    for (const bad of ['24:00', '9:00', '09:60', '09:00:00', '']) expect(parseTimeOfDay(bad)).toBeNull();
  });

  it('reads instants only with an offset', () => {
    expect(parseInstant('2025-03-30T09:00:00+02:00')).toBe(Date.parse('2025-03-30T07:00:00Z'));
    expect(parseInstant('2025-03-30T09:00Z')).toBe(Date.parse('2025-03-30T09:00:00Z'));
    expect(parseInstant('2025-03-30T09:00:00.5-05:30')).toBe(Date.parse('2025-03-30T14:30:00.500Z'));
    for (const bad of [
      '2025-03-30T09:00:00',
      '2025-02-30T09:00:00Z',
      '2025-03-30T24:00:00Z',
      '2025-03-30T09:00:00+15:00',
      '2025-03-30 09:00:00Z',
    ]) {
      expect(parseInstant(bad)).toBeNull();
    }
  });

  it('knows IANA zones, and keeps their names as written', () => {
    expect(knownTimeZone('Europe/Berlin')).toBe('Europe/Berlin');
    expect(knownTimeZone('Asia/Kolkata')).toBe('Asia/Kolkata');
    expect(knownTimeZone('America/Argentina/Buenos_Aires')).toBe('America/Argentina/Buenos_Aires');
    expect(knownTimeZone('Etc/GMT-14')).toBe('Etc/GMT-14');
    for (const bad of ['Mars/Olympus', '+02:00', '', 'CEST']) expect(knownTimeZone(bad)).toBeNull();
  });

  it('counts weeks from Monday', () => {
    const sunday = local('2025-03-30T12:00');
    expect(isoWeekday(sunday)).toBe(7);
    expect(formatLocal(startOfWeek(sunday))).toBe('2025-03-24T00:00');
    expect(isoWeekday(sunday + DAY)).toBe(1);
  });
});
