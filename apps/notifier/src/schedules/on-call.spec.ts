import fc from 'fast-check';
import { DateTime } from 'luxon';
import { handoffAt } from './layer-time';
import { DAY, HOUR, MINUTE, offsetAt } from './local-time';
import { MAX_RANGE_MS, onCallAt, shiftsBetween } from './on-call';
import type {
  LayerDefinition,
  OverrideDefinition,
  RestrictionDefinition,
  RotationDefinition,
  Schedule,
  ScheduleDefinition,
  Shift,
} from './schedule';
import { compileSchedule, validateSchedule } from './validate-schedule';

const iso = (instant: number) => new Date(instant).toISOString().replace(':00.000Z', 'Z');
const utc = (text: string) => Date.parse(text);
const hours = (shift: Shift) => (shift.end - shift.start) / HOUR;
/** The wall-clock reading of an instant in a zone, by luxon (independent of local-time.ts). */
const reading = (zone: string, instant: number) =>
  DateTime.fromMillis(instant, { zone }).toFormat("yyyy-MM-dd'T'HH:mm");

function layer(rotation: RotationDefinition, participants: LayerDefinition['participants'], extra = {}) {
  return { id: 'primary', rotation, participants, ...extra };
}

function schedule(
  timeZone: string,
  layers: LayerDefinition[],
  overrides: OverrideDefinition[] = [],
): Schedule {
  return compileSchedule({ timeZone, layers, overrides });
}

const daily = (startDate: string, handoffTime: string): RotationDefinition => ({
  type: 'daily',
  startDate,
  handoffTime,
});

describe('shifts across daylight saving changes', () => {
  it('keeps a 09:00 hand-off at 09:00 local on both sides of a change: 23 hours in spring, 25 in autumn', () => {
    const berlin = schedule('Europe/Berlin', [layer(daily('2025-03-28', '09:00'), ['ann', 'bob'])]);
    const spring = shiftsBetween(berlin, utc('2025-03-28T12:00Z'), utc('2025-03-31T12:00Z'));
    expect(spring.map((s) => [iso(s.start), hours(s), s.userIds[0]])).toEqual([
      ['2025-03-28T08:00Z', 24, 'ann'],
      ['2025-03-29T08:00Z', 23, 'bob'],
      ['2025-03-30T07:00Z', 24, 'ann'],
      ['2025-03-31T07:00Z', 24, 'bob'],
    ]);
    expect(spring.map((s) => reading('Europe/Berlin', s.start).slice(11))).toEqual(Array(4).fill('09:00'));
    const autumn = shiftsBetween(berlin, utc('2025-10-25T12:00Z'), utc('2025-10-26T12:00Z'));
    expect(autumn.map((s) => [iso(s.start), hours(s)])).toEqual([
      ['2025-10-25T07:00Z', 25],
      ['2025-10-26T08:00Z', 24],
    ]);
  });

  it('moves a hand-off the clocks skip to the moment they jump, and keeps the next at its time', () => {
    const berlin = schedule('Europe/Berlin', [layer(daily('2025-03-01', '02:30'), ['ann', 'bob'])]);
    const shifts = shiftsBetween(berlin, utc('2025-03-29T12:00Z'), utc('2025-03-31T12:00Z'));
    expect(shifts.map((s) => [reading('Europe/Berlin', s.start), hours(s)])).toEqual([
      ['2025-03-29T02:30', 23.5],
      ['2025-03-30T03:00', 23.5], // 02:30 does not exist that night: the shift starts when 02:00 becomes 03:00
      ['2025-03-31T02:30', 24],
    ]);
  });

  it('hands off at the first of two 02:30s in autumn, so the shift after the change is the long one', () => {
    const berlin = schedule('Europe/Berlin', [layer(daily('2025-10-01', '02:30'), ['ann', 'bob'])]);
    const shifts = shiftsBetween(berlin, utc('2025-10-25T12:00Z'), utc('2025-10-27T12:00Z'));
    expect(shifts.map((s) => [iso(s.start), hours(s)])).toEqual([
      ['2025-10-25T00:30Z', 24],
      ['2025-10-26T00:30Z', 25], // 02:30 CEST, the first 02:30 of the night
      ['2025-10-27T01:30Z', 24],
    ]);
  });

  it('skips the hourly shift whose hour the clocks skip, and doubles the repeated one', () => {
    const rotation: RotationDefinition = { type: 'hourly', startDate: '2025-03-30', handoffTime: '00:00' };
    const spring = schedule('Europe/Berlin', [layer(rotation, ['a', 'b', 'c'])]);
    const night = shiftsBetween(spring, utc('2025-03-29T23:00Z'), utc('2025-03-30T02:00Z'));
    expect(night.map((s) => [reading('Europe/Berlin', s.start), hours(s), s.source])).toEqual([
      ['2025-03-30T00:00', 1, expect.objectContaining({ slot: 0, participantIndex: 0 })],
      ['2025-03-30T01:00', 1, expect.objectContaining({ slot: 1, participantIndex: 1 })],
      // 02:00–03:00 never happens: slot 2 (participant c) has no time; slot 3 follows.
      ['2025-03-30T03:00', 1, expect.objectContaining({ slot: 3, participantIndex: 0 })],
    ]);
    const autumn = schedule('Europe/Berlin', [
      layer({ ...rotation, startDate: '2025-10-26' }, ['a', 'b', 'c']),
    ]);
    const back = shiftsBetween(autumn, utc('2025-10-25T22:00Z'), utc('2025-10-26T03:00Z'));
    expect(back.map((s) => [iso(s.start), hours(s), s.source])).toEqual([
      ['2025-10-25T22:00Z', 1, expect.objectContaining({ slot: 0 })],
      ['2025-10-25T23:00Z', 1, expect.objectContaining({ slot: 1 })],
      ['2025-10-26T00:00Z', 2, expect.objectContaining({ slot: 2 })], // 02:00 CEST until 03:00 CET
      ['2025-10-26T02:00Z', 1, expect.objectContaining({ slot: 3 })],
    ]);
  });

  it('keeps 12-hour shifts at 08:00 and 20:00 local through a change (New York)', () => {
    const ny = schedule('America/New_York', [
      layer(
        { type: 'custom', shiftLength: 12, unit: 'hours', startDate: '2025-03-01', handoffTime: '08:00' },
        ['day', 'night'],
      ),
    ]);
    const shifts = shiftsBetween(ny, utc('2025-03-08T14:00Z'), utc('2025-03-10T13:00Z'));
    expect(shifts.map((s) => [reading('America/New_York', s.start), hours(s), s.userIds[0]])).toEqual([
      ['2025-03-08T08:00', 12, 'day'],
      ['2025-03-08T20:00', 11, 'night'], // the night the clocks go forward
      ['2025-03-09T08:00', 12, 'day'],
      ['2025-03-09T20:00', 12, 'night'],
      ['2025-03-10T08:00', 12, 'day'],
    ]);
  });

  it('hands a weekly rotation off on the weekday of its start date, 167 hours across the spring change', () => {
    const ny = schedule('America/New_York', [
      layer({ type: 'weekly', startDate: '2025-03-03', handoffTime: '10:00' }, ['ann', 'bob']),
    ]);
    const shifts = shiftsBetween(ny, utc('2025-03-05T00:00Z'), utc('2025-03-12T00:00Z'));
    expect(shifts.map((s) => [reading('America/New_York', s.start), hours(s)])).toEqual([
      ['2025-03-03T10:00', 167],
      ['2025-03-10T10:00', 168],
    ]);
    expect(DateTime.fromMillis(shifts[1].start, { zone: 'America/New_York' }).weekday).toBe(1);
  });

  it('follows zones without daylight saving time and zones with quarter-hour offsets', () => {
    const kolkata = schedule('Asia/Kolkata', [layer(daily('2025-03-01', '09:00'), ['ann'])]);
    expect(
      shiftsBetween(kolkata, utc('2025-03-30T00:00Z'), utc('2025-03-31T00:00Z')).map((s) => iso(s.start)),
    ).toEqual(['2025-03-29T03:30Z', '2025-03-30T03:30Z']);
    const chatham = schedule('Pacific/Chatham', [layer(daily('2025-09-01', '03:00'), ['ann'])]);
    // Chatham goes from +12:45 to +13:45 at 02:45 local on 28 September: 03:00 does not exist that night.
    expect(
      shiftsBetween(chatham, utc('2025-09-27T00:00Z'), utc('2025-09-28T12:00Z')).map((s) => [
        reading('Pacific/Chatham', s.start),
        hours(s),
      ]),
    ).toEqual([
      ['2025-09-27T03:00', 23 + 0.75],
      ['2025-09-28T03:45', 23.25],
    ]);
  });
});

describe('who is on call', () => {
  it('answers the shift that holds an instant, with its layer, and nobody before the first hand-off', () => {
    const s = schedule('Europe/Berlin', [layer(daily('2025-03-03', '09:00'), ['ann', ['bob', 'cy']])]);
    expect(onCallAt(s, utc('2025-03-03T07:59Z'))).toBeNull();
    expect(onCallAt(s, utc('2025-03-04T12:00Z'))).toEqual({
      start: utc('2025-03-04T08:00Z'),
      end: utc('2025-03-05T08:00Z'),
      userIds: ['bob', 'cy'],
      source: { kind: 'layer', layerId: 'primary', level: 1, slot: 1, participantIndex: 1 },
    });
    // The end is exclusive: at the hand-off the next shift holds.
    expect(onCallAt(s, utc('2025-03-05T08:00Z'))?.userIds).toEqual(['ann']);
  });

  it('stops a layer at its end', () => {
    const s = schedule('Europe/Berlin', [
      layer(daily('2025-03-03', '09:00'), ['ann'], { end: '2025-03-05T12:00' }),
    ]);
    const shifts = shiftsBetween(s, utc('2025-03-01T00:00Z'), utc('2025-03-10T00:00Z'));
    expect(shifts.map((x) => [iso(x.start), iso(x.end)])).toEqual([
      ['2025-03-03T08:00Z', '2025-03-04T08:00Z'],
      ['2025-03-04T08:00Z', '2025-03-05T08:00Z'],
      ['2025-03-05T08:00Z', '2025-03-05T11:00Z'],
    ]);
    expect(onCallAt(s, utc('2025-03-05T11:00Z'))).toBeNull();
  });

  it('lets a higher layer take over where it is active, and the lower one show through elsewhere', () => {
    const s = schedule('Europe/Berlin', [
      layer(daily('2025-03-03', '09:00'), ['ann', 'bob']),
      {
        id: 'nights',
        rotation: { type: 'weekly', startDate: '2025-03-03', handoffTime: '09:00' },
        participants: ['nina'],
        restrictions: [{ type: 'daily', startTime: '22:00', endTime: '06:00' }],
      },
    ]);
    const shifts = shiftsBetween(s, utc('2025-03-03T08:00Z'), utc('2025-03-04T08:00Z'));
    expect(
      shifts.map((x) => [iso(x.start), iso(x.end), x.userIds[0], x.source.kind === 'layer' && x.source.slot]),
    ).toEqual([
      ['2025-03-03T08:00Z', '2025-03-03T21:00Z', 'ann', 0],
      ['2025-03-03T21:00Z', '2025-03-04T05:00Z', 'nina', 0],
      ['2025-03-04T05:00Z', '2025-03-04T08:00Z', 'ann', 0], // the rest of ann's shift: a piece of its own
    ]);
  });

  it('runs side-by-side layers of one level in their own windows', () => {
    const s = schedule('Europe/Berlin', [
      {
        id: 'weekdays',
        level: 1,
        rotation: daily('2025-03-03', '09:00'),
        participants: ['wendy'],
        restrictions: [
          { type: 'weekly', startDay: 'monday', startTime: '09:00', endDay: 'friday', endTime: '18:00' },
        ],
      },
      {
        id: 'weekend',
        level: 1,
        rotation: { type: 'weekly', startDate: '2025-03-07', handoffTime: '18:00' },
        participants: ['walt'],
        restrictions: [
          { type: 'weekly', startDay: 'friday', startTime: '18:00', endDay: 'monday', endTime: '09:00' },
        ],
      },
    ]);
    expect(onCallAt(s, utc('2025-03-08T12:00Z'))?.userIds).toEqual(['walt']);
    expect(onCallAt(s, utc('2025-03-10T08:00Z'))?.userIds).toEqual(['wendy']);
    expect(onCallAt(s, utc('2025-03-10T07:59Z'))?.userIds).toEqual(['walt']);
  });

  it('lets an override win inside its span only, the later of two overlapping overrides winning', () => {
    const s = schedule(
      'Europe/Berlin',
      [layer(daily('2025-03-03', '09:00'), ['ann', 'bob'])],
      [
        { id: 'o1', userId: 'olga', start: '2025-03-03T12:00:00+01:00', end: '2025-03-03T18:00:00+01:00' },
        { id: 'o2', userId: 'otto', start: '2025-03-03T16:00:00+01:00', end: '2025-03-03T20:00:00+01:00' },
      ],
    );
    const shifts = shiftsBetween(s, utc('2025-03-03T08:00Z'), utc('2025-03-04T08:00Z'));
    expect(shifts.map((x) => [iso(x.start), iso(x.end), x.userIds[0], x.source.kind])).toEqual([
      ['2025-03-03T08:00Z', '2025-03-03T11:00Z', 'ann', 'layer'],
      ['2025-03-03T11:00Z', '2025-03-03T15:00Z', 'olga', 'override'],
      ['2025-03-03T15:00Z', '2025-03-03T19:00Z', 'otto', 'override'],
      ['2025-03-03T19:00Z', '2025-03-04T08:00Z', 'ann', 'layer'],
    ]);
    expect(onCallAt(s, utc('2025-03-03T16:00Z'))?.source).toEqual({ kind: 'override', overrideId: 'o2' });
  });

  it('answers shifts with their full extent, whatever the range', () => {
    const s = schedule('Europe/Berlin', [
      layer({ type: 'weekly', startDate: '2025-03-03', handoffTime: '09:00' }, ['a']),
    ]);
    const [only] = shiftsBetween(s, utc('2025-03-05T00:00Z'), utc('2025-03-05T00:01Z'));
    expect([iso(only.start), iso(only.end)]).toEqual(['2025-03-03T08:00Z', '2025-03-10T08:00Z']);
  });

  it('refuses empty, reversed and overlong ranges', () => {
    const s = schedule('Europe/Berlin', [layer(daily('2025-03-03', '09:00'), ['a'])]);
    const t = utc('2025-03-05T00:00Z');
    expect(() => shiftsBetween(s, t, t)).toThrow(RangeError);
    expect(() => shiftsBetween(s, t, t - 1)).toThrow(RangeError);
    expect(() => shiftsBetween(s, t, Number.NaN)).toThrow(RangeError);
    expect(() => shiftsBetween(s, t, t + MAX_RANGE_MS + 1)).toThrow(RangeError);
    expect(shiftsBetween(s, t, t + MAX_RANGE_MS)).toHaveLength(401);
  });
});

/* ---------------------------------------------------------------------------------------------- */
/* Properties, across the spring and autumn changes of zones with different rules.                  */
/* ---------------------------------------------------------------------------------------------- */

const ZONES = [
  'Europe/Berlin',
  'America/New_York',
  'Australia/Sydney',
  'Asia/Kolkata',
  'America/Santiago',
  'Pacific/Chatham',
] as const;

/** The instants in a year at which a zone's offset changes (found by scanning, then bisecting). */
function changesIn(zone: string, year: number): number[] {
  const changes: number[] = [];
  for (let t = Date.UTC(year, 0, 1); t < Date.UTC(year + 1, 0, 1); t += HOUR) {
    if (offsetAt(zone, t) === offsetAt(zone, t + HOUR)) continue;
    let [lo, hi] = [t, t + HOUR];
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (offsetAt(zone, mid) === offsetAt(zone, t)) lo = mid;
      else hi = mid;
    }
    changes.push(hi);
  }
  return changes;
}

const CHANGES = new Map(ZONES.map((zone) => [zone, changesIn(zone, 2025)]));

it('has a spring and an autumn change in 2025 for every zone but Asia/Kolkata', () => {
  expect(Object.fromEntries([...CHANGES].map(([zone, changes]) => [zone, changes.map(iso)]))).toEqual({
    'Europe/Berlin': ['2025-03-30T01:00Z', '2025-10-26T01:00Z'],
    'America/New_York': ['2025-03-09T07:00Z', '2025-11-02T06:00Z'],
    'Australia/Sydney': ['2025-04-05T16:00Z', '2025-10-04T16:00Z'],
    'Asia/Kolkata': [],
    'America/Santiago': ['2025-04-06T03:00Z', '2025-09-07T04:00Z'],
    'Pacific/Chatham': ['2025-04-05T14:00Z', '2025-09-27T14:00Z'],
  });
});

/** A moment of change in a zone (or, without changes, a day in each half of the year). */
const aroundChange = fc.constantFrom(...ZONES).chain((zone) =>
  fc.record({
    zone: fc.constant(zone),
    change: fc.constantFrom(
      ...(CHANGES.get(zone)?.length
        ? CHANGES.get(zone)!
        : [utc('2025-03-30T00:00Z'), utc('2025-10-26T00:00Z')]),
    ),
  }),
);

const time = fc.oneof(
  // Times that the changes skip or repeat in some of the zones, and ordinary ones.
  fc.constantFrom('00:00', '00:30', '01:30', '02:00', '02:30', '02:45', '03:00', '03:15', '09:00', '23:30'),
  fc
    .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }))
    .map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`),
);

const rotation = fc.oneof(
  fc.constantFrom('hourly' as const, 'daily' as const, 'weekly' as const).map((type) => ({ type })),
  fc.record({
    type: fc.constant('custom' as const),
    unit: fc.constant('hours' as const),
    shiftLength: fc.integer({ min: 1, max: 36 }),
  }),
  fc.record({
    type: fc.constant('custom' as const),
    unit: fc.constant('days' as const),
    shiftLength: fc.integer({ min: 1, max: 3 }),
  }),
  fc.record({
    type: fc.constant('custom' as const),
    unit: fc.constant('weeks' as const),
    shiftLength: fc.integer({ min: 1, max: 2 }),
  }),
);

const people = fc.uniqueArray(fc.constantFrom('ann', 'bob', 'cy', 'dan', 'eve', 'fay'), {
  minLength: 1,
  maxLength: 5,
});

/** A one-layer schedule that starts 1–20 days before a change, and a range of up to 6 days around it. */
const oneLayer = fc
  .record({
    around: aroundChange,
    rotation,
    handoffTime: time,
    daysBefore: fc.integer({ min: 1, max: 20 }),
    participants: people,
    before: fc.integer({ min: 0, max: 3 * 24 * 60 }),
    after: fc.integer({ min: 1, max: 3 * 24 * 60 }),
  })
  .map(({ around, rotation, handoffTime, daysBefore, participants, before, after }) => {
    const startDate = new Date(around.change - daysBefore * DAY).toISOString().slice(0, 10);
    const definition: ScheduleDefinition = {
      timeZone: around.zone,
      layers: [{ id: 'l', rotation: { ...rotation, startDate, handoffTime }, participants }],
    };
    const compiled = compileSchedule(definition);
    const first = handoffAt(around.zone, compiled.layers[0], 0);
    const from = Math.max(first, around.change - before * MINUTE);
    return { zone: around.zone, definition, schedule: compiled, from, to: around.change + after * MINUTE };
  });

describe('properties of one rotation across changes', () => {
  it('tiles the range with shifts, without gap or overlap', () => {
    fc.assert(
      fc.property(oneLayer, ({ schedule: s, from, to }) => {
        const shifts = shiftsBetween(s, from, to);
        expect(shifts[0].start).toBeLessThanOrEqual(from);
        expect(shifts[shifts.length - 1].end).toBeGreaterThanOrEqual(to);
        shifts.forEach((shift, i) => {
          expect(shift.end).toBeGreaterThan(shift.start);
          if (i > 0) expect(shift.start).toBe(shifts[i - 1].end);
        });
      }),
    );
  });

  it('hands off at the wall-clock time of each shift when it exists, else as the clocks jump past it', () => {
    fc.assert(
      fc.property(oneLayer, ({ zone, schedule: s, from, to }) => {
        const layer = s.layers[0];
        for (const shift of shiftsBetween(s, from, to)) {
          if (shift.source.kind !== 'layer') throw new Error('only layers here');
          const wall = new Date(layer.anchorLocal + shift.source.slot * layer.shiftLocal)
            .toISOString()
            .slice(0, 16);
          const asked = DateTime.fromISO(wall, { zone });
          const exists = asked.toFormat("yyyy-MM-dd'T'HH:mm") === wall;
          if (exists) expect(reading(zone, shift.start)).toBe(wall);
          else expect(reading(zone, shift.start) > wall && reading(zone, shift.start - 1) < wall).toBe(true);
          // The first occurrence: no earlier instant within three hours reads the same or later.
          for (let back = 15; back <= 180; back += 15) {
            expect(reading(zone, shift.start - back * MINUTE) < wall).toBe(true);
          }
        }
      }),
    );
  });

  it('gives a daily shift 24 hours less the change of offset between its hand-offs', () => {
    fc.assert(
      fc.property(
        oneLayer.filter(({ definition }) => definition.layers[0].rotation.type === 'daily'),
        ({ zone, schedule: s, from, to }) => {
          for (const shift of shiftsBetween(s, from, to)) {
            const exact = reading(zone, shift.start).slice(11) === reading(zone, shift.end).slice(11);
            if (exact)
              expect(shift.end - shift.start).toBe(
                DAY - (offsetAt(zone, shift.end) - offsetAt(zone, shift.start)),
              );
          }
        },
      ),
    );
  });

  it('repeats the participant order, skipping only shifts that have no time', () => {
    fc.assert(
      fc.property(oneLayer, ({ zone, schedule: s, from, to }) => {
        const layer = s.layers[0];
        const shifts = shiftsBetween(s, from, to);
        shifts.forEach((shift, i) => {
          if (shift.source.kind !== 'layer') throw new Error('only layers here');
          const { slot, participantIndex } = shift.source;
          expect(participantIndex).toBe(slot % layer.participants.length);
          expect(shift.userIds).toEqual(layer.participants[participantIndex]);
          const previous = shifts[i - 1]?.source;
          if (previous?.kind !== 'layer') return;
          expect(slot).toBeGreaterThan(previous.slot);
          for (let skipped = previous.slot + 1; skipped < slot; skipped++) {
            expect(handoffAt(zone, layer, skipped + 1)).toBe(handoffAt(zone, layer, skipped));
          }
        });
      }),
    );
  });
});

const restriction: fc.Arbitrary<RestrictionDefinition> = fc.oneof(
  fc.record({ type: fc.constant('daily' as const), startTime: time, endTime: time }),
  fc.record({
    type: fc.constant('weekly' as const),
    startDay: fc.constantFrom('monday', 'wednesday', 'friday', 'saturday', 'sunday'),
    startTime: time,
    endDay: fc.constantFrom('monday', 'tuesday', 'friday', 'sunday'),
    endTime: time,
  }),
);

/** Two layers (the higher one restricted) and some overrides, around a change; only valid ones. */
const layered = fc
  .record({
    around: aroundChange,
    rotations: fc.tuple(rotation, rotation),
    handoffs: fc.tuple(time, time),
    starts: fc.tuple(fc.integer({ min: 1, max: 10 }), fc.integer({ min: 0, max: 10 })),
    participants: fc.tuple(people, people),
    restrictions: fc.array(restriction, { minLength: 1, maxLength: 2 }),
    overrides: fc.array(
      fc.record({
        user: fc.constantFrom('olga', 'otto'),
        start: fc.integer({ min: -3 * 24 * 60, max: 3 * 24 * 60 }),
        minutes: fc.integer({ min: 1, max: 24 * 60 }),
      }),
      { maxLength: 4 },
    ),
    probes: fc.array(fc.integer({ min: -3 * 24 * 60, max: 3 * 24 * 60 }), { minLength: 1, maxLength: 8 }),
  })
  .map((input) => {
    const startDate = (days: number) => new Date(input.around.change - days * DAY).toISOString().slice(0, 10);
    const layers: LayerDefinition[] = [0, 1].map((i) => ({
      id: `layer${i}`,
      rotation: {
        ...input.rotations[i],
        startDate: startDate(input.starts[i]),
        handoffTime: input.handoffs[i],
      },
      participants: input.participants[i],
      ...(i === 1 ? { restrictions: input.restrictions } : {}),
    }));
    const overrides = input.overrides.map((o, i) => ({
      id: `o${i}`,
      userId: o.user,
      start: new Date(input.around.change + o.start * MINUTE).toISOString(),
      end: new Date(input.around.change + (o.start + o.minutes) * MINUTE).toISOString(),
    }));
    const definition: ScheduleDefinition = { timeZone: input.around.zone, layers, overrides };
    return {
      definition,
      change: input.around.change,
      probes: input.probes.map((m) => input.around.change + m * MINUTE),
    };
  })
  .filter(({ definition }) => validateSchedule(definition).ok);

describe('properties of layers and overrides across changes', () => {
  it('answers the same shift from onCallAt as from shiftsBetween over a wide range', () => {
    fc.assert(
      fc.property(layered, ({ definition, change, probes }) => {
        const s = compileSchedule(definition);
        const shifts = shiftsBetween(s, change - 4 * DAY, change + 4 * DAY);
        for (const at of probes) {
          const holding = shifts.find((shift) => shift.start <= at && at < shift.end) ?? null;
          expect(onCallAt(s, at)).toEqual(holding);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('lets the higher layer win where it is active and the lower one show through elsewhere', () => {
    fc.assert(
      fc.property(layered, ({ definition, probes }) => {
        const s = compileSchedule({ ...definition, overrides: [] });
        const alone = definition.layers.map((l) =>
          compileSchedule({ ...definition, layers: [l], overrides: [] }),
        );
        for (const at of probes) {
          const [lower, higher] = alone.map((one) => onCallAt(one, at));
          const expected = higher ?? lower;
          const actual = onCallAt(s, at);
          expect(actual?.userIds ?? null).toEqual(expected?.userIds ?? null);
          expect(withoutLevel(actual)).toEqual(withoutLevel(expected));
        }
      }),
      { numRuns: 60 },
    );
  });

  it('lets overrides win inside their span and nowhere else', () => {
    fc.assert(
      fc.property(layered, ({ definition, probes }) => {
        const s = compileSchedule(definition);
        const without = compileSchedule({ ...definition, overrides: [] });
        for (const at of [
          ...probes,
          ...s.overrides.flatMap((o) => [o.start - 1, o.start, o.end - 1, o.end]),
        ]) {
          const covering = s.overrides.filter((o) => o.start <= at && at < o.end);
          const actual = onCallAt(s, at);
          const winner = covering[covering.length - 1];
          if (winner) {
            expect(actual?.source).toEqual({ kind: 'override', overrideId: winner.id });
            expect(actual?.userIds).toEqual(winner.userIds);
          } else {
            const plain = onCallAt(without, at);
            expect(actual?.userIds ?? null).toEqual(plain?.userIds ?? null);
            expect(actual?.source ?? null).toEqual(plain?.source ?? null);
          }
        }
      }),
      { numRuns: 60 },
    );
  });
});

/** A shift's source without the level, which differs between a layer alone and the same layer stacked. */
function withoutLevel(shift: Shift | null) {
  if (!shift) return null;
  const { source } = shift;
  return source.kind === 'layer' ? { layerId: source.layerId, slot: source.slot } : source;
}
