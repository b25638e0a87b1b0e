import type { LayerDefinition, ScheduleDefinition } from './schedule';
import { compileSchedule, validateSchedule } from './validate-schedule';

const rotation = { type: 'daily', startDate: '2025-03-03', handoffTime: '09:00' } as const;
const base: LayerDefinition = { id: 'primary', rotation, participants: ['ann', 'bob'] };

function problems(input: unknown) {
  const result = validateSchedule(input);
  return result.ok ? [] : result.problems;
}

function withLayers(...layers: LayerDefinition[]): ScheduleDefinition {
  return { timeZone: 'Europe/Berlin', layers };
}

describe('validateSchedule', () => {
  it('compiles a valid schedule into local rules and instants', () => {
    const result = validateSchedule({
      timeZone: 'Europe/Berlin',
      layers: [
        { ...base, restrictions: [{ type: 'daily', startTime: '22:00', endTime: '06:00' }] },
        {
          id: 'weekly',
          rotation: {
            type: 'custom',
            startDate: '2025-03-03',
            handoffTime: '10:30',
            shiftLength: 2,
            unit: 'weeks',
          },
          participants: [['cy', 'dan']],
          end: '2025-06-01T00:00',
        },
      ],
      overrides: [
        { id: 'o', userId: 'eve', start: '2025-03-05T09:00:00+01:00', end: '2025-03-05T18:00:00Z' },
      ],
    });
    expect(result).toEqual({
      ok: true,
      schedule: {
        timeZone: 'Europe/Berlin',
        layers: [
          {
            id: 'primary',
            level: 1,
            anchorLocal: Date.UTC(2025, 2, 3, 9),
            shiftLocal: 24 * 3_600_000,
            participants: [['ann'], ['bob']],
            endLocal: null,
            windows: [{ period: 24 * 3_600_000, offset: 22 * 3_600_000, length: 8 * 3_600_000 }],
          },
          {
            id: 'weekly',
            level: 2,
            anchorLocal: Date.UTC(2025, 2, 3, 10, 30),
            shiftLocal: 14 * 24 * 3_600_000,
            participants: [['cy', 'dan']],
            endLocal: Date.UTC(2025, 5, 1),
            windows: [],
          },
        ],
        overrides: [
          { id: 'o', userIds: ['eve'], start: Date.UTC(2025, 2, 5, 8), end: Date.UTC(2025, 2, 5, 18) },
        ],
      },
    });
  });

  it('answers every problem at once, each with its path and reason', () => {
    expect(
      problems({
        timeZone: 'Mars/Olympus_Mons',
        layers: [
          {
            id: 'a',
            rotation: {
              type: 'custom',
              startDate: '2025-02-30',
              handoffTime: '9:00',
              shiftLength: 0,
              unit: 'hours',
            },
            participants: [],
          },
          {
            id: 'b',
            rotation: {
              type: 'custom',
              startDate: '2025-03-01',
              handoffTime: '09:00',
              shiftLength: -2,
              unit: 'days',
            },
            participants: ['x', ''],
          },
        ],
        overrides: [
          { id: 'o', userId: 'u', start: '2025-03-02T00:00:00Z', end: '2025-03-01T00:00:00Z' },
          { id: 'p', userId: 'u', start: '2025-03-02T00:00:00Z', end: '2025-03-02T02:00:00+02:00' },
        ],
        colour: 'red',
      }),
    ).toEqual([
      { path: 'colour', reason: 'unknown field; expected timeZone, layers, overrides' },
      {
        path: 'timeZone',
        reason: 'unknown time zone "Mars/Olympus_Mons": use an IANA name such as Europe/Berlin',
      },
      { path: 'layers[0].rotation.startDate', reason: 'a local date, YYYY-MM-DD, in 1970–2199' },
      { path: 'layers[0].rotation.handoffTime', reason: 'a local time, HH:mm, from 00:00 to 23:59' },
      { path: 'layers[0].rotation.shiftLength', reason: 'the shift length must be positive, not 0' },
      { path: 'layers[0].participants', reason: 'a layer needs at least one participant' },
      { path: 'layers[1].rotation.shiftLength', reason: 'the shift length must be positive, not -2' },
      { path: 'layers[1].participants[1]', reason: 'a non-empty string' },
      { path: 'overrides[0].end', reason: 'the override ends before it starts' },
      { path: 'overrides[1].end', reason: 'the override ends when it starts' },
    ]);
  });

  it.each([
    [
      { type: 'custom', unit: 'hours' },
      'rotation.shiftLength',
      'a custom rotation needs a shift length, a whole number',
    ],
    [
      { type: 'custom', unit: 'hours', shiftLength: 1.5 },
      'rotation.shiftLength',
      'the shift length is a whole number of units',
    ],
    [
      { type: 'custom', unit: 'hours', shiftLength: Infinity },
      'rotation.shiftLength',
      'a custom rotation needs a shift length, a whole number',
    ],
    [{ type: 'custom', unit: 'minutes', shiftLength: 30 }, 'rotation.unit', 'one of hours, days, weeks'],
    [{ type: 'custom', unit: 'weeks', shiftLength: 9 }, 'rotation.shiftLength', 'at most 8 weeks'],
    [
      { type: 'daily', shiftLength: 2 },
      'rotation',
      'shiftLength and unit are for custom rotations; a daily rotation has its own length',
    ],
    [{ type: 'monthly' }, 'rotation.type', 'one of hourly, daily, weekly, custom'],
  ])('refuses the rotation %j', (change, path, reason) => {
    expect(problems(withLayers({ ...base, rotation: { ...rotation, ...change } as never }))).toEqual([
      { path: `layers[0].${path}`, reason },
    ]);
  });

  it('refuses malformed participants, restrictions, ends and levels', () => {
    expect(
      problems(
        withLayers({
          ...base,
          level: -1,
          participants: ['ann', [], ['bob', 'bob'], 42 as never],
          end: '2025-03-03T09:00',
          restrictions: [
            { type: 'daily', startTime: '09:00', endTime: '09:00' },
            {
              type: 'weekly',
              startDay: 'funday' as never,
              startTime: '09:00',
              endDay: 'monday',
              endTime: '25:00',
            },
            { type: 'monthly' } as never,
          ],
        }),
      ),
    ).toEqual([
      { path: 'layers[0].level', reason: 'a whole number from 0 to 1000' },
      {
        path: 'layers[0].participants[1]',
        reason: 'a participant is a user id, or a non-empty list of user ids on call together',
      },
      { path: 'layers[0].participants[2]', reason: 'a user appears twice in one participant' },
      {
        path: 'layers[0].participants[3]',
        reason: 'a participant is a user id, or a non-empty list of user ids on call together',
      },
      { path: 'layers[0].end', reason: 'the layer ends at or before its first hand-off' },
      {
        path: 'layers[0].restrictions[0]',
        reason: 'a daily restriction from a time to the same time is empty; leave it out to be always active',
      },
      { path: 'layers[0].restrictions[1].endTime', reason: 'a local time, HH:mm' },
      {
        path: 'layers[0].restrictions[1].startDay',
        reason: 'one of monday, tuesday, wednesday, thursday, friday, saturday, sunday',
      },
      { path: 'layers[0].restrictions[2].type', reason: 'one of daily, weekly' },
    ]);
  });

  it('refuses what is not a schedule, and duplicate ids', () => {
    expect(problems(null)).toEqual([{ path: '', reason: 'a schedule is an object' }]);
    expect(problems({ timeZone: 'UTC', layers: [] })).toEqual([
      { path: 'layers', reason: 'a schedule needs at least one layer' },
    ]);
    expect(
      problems({
        timeZone: 'UTC',
        layers: [base, { ...base, restrictions: [{ type: 'daily', startTime: '08:00', endTime: '09:00' }] }],
        overrides: [
          { id: 'o', userId: 'u', start: '2025-03-02T00:00:00Z', end: '2025-03-03T00:00:00Z' },
          { id: 'o', userId: 'u', start: '2025-03-02T00:00', end: '2025-03-03T00:00:00Z' },
        ],
      }),
    ).toEqual([
      { path: 'layers[1].id', reason: 'another layer is already named "primary"' },
      {
        path: 'overrides[1].start',
        reason: 'an ISO 8601 date and time with Z or an offset, e.g. 2025-03-30T09:00:00+02:00',
      },
    ]);
  });

  it('bounds what one schedule may hold', () => {
    const many = Array.from({ length: 21 }, (_, i) => ({ ...base, id: `l${i}` }));
    expect(problems(withLayers(...many))).toEqual([{ path: 'layers', reason: 'at most 20 layers' }]);
    expect(problems(withLayers({ ...base, id: 'x'.repeat(201) }))).toEqual([
      { path: 'layers[0].id', reason: 'at most 200 characters' },
    ]);
  });

  it('throws with every problem from compileSchedule', () => {
    expect(() => compileSchedule({ timeZone: 'Nowhere', layers: [base] })).toThrow(
      'invalid schedule: timeZone: unknown time zone "Nowhere": use an IANA name such as Europe/Berlin',
    );
  });
});

describe('contradictory layers', () => {
  const weekdays = {
    type: 'weekly',
    startDay: 'monday',
    startTime: '09:00',
    endDay: 'friday',
    endTime: '17:00',
  } as const;

  it('refuses two layers of one level that are active at the same time, naming the first moment', () => {
    expect(
      problems(
        withLayers(
          { ...base, id: 'a', level: 1, restrictions: [weekdays] },
          {
            ...base,
            id: 'b',
            level: 1,
            restrictions: [{ type: 'daily', startTime: '16:00', endTime: '18:00' }],
          },
        ),
      ),
    ).toEqual([
      {
        path: 'layers[1]',
        reason:
          'layers "a" and "b" are both on level 1 and both active at 2025-03-03T16:00 local time; ' +
          'give one of them another level or restrictions that do not meet',
      },
    ]);
  });

  it('accepts layers of one level that take turns, or that run at different times', () => {
    const weekend = {
      type: 'weekly',
      startDay: 'friday',
      startTime: '17:00',
      endDay: 'monday',
      endTime: '09:00',
    } as const;
    expect(
      problems(
        withLayers(
          { ...base, id: 'a', level: 1, restrictions: [weekdays] },
          { ...base, id: 'b', level: 1, restrictions: [weekend] },
        ),
      ),
    ).toEqual([]);
    expect(
      problems(
        withLayers(
          { ...base, id: 'old', level: 1, end: '2025-04-01T09:00' },
          { ...base, id: 'new', level: 1, rotation: { ...rotation, startDate: '2025-04-01' } },
        ),
      ),
    ).toEqual([]);
  });

  it('refuses a layer that higher layers hide wherever it is active', () => {
    expect(
      problems(
        withLayers(
          { ...base, id: 'nights', restrictions: [{ type: 'daily', startTime: '22:00', endTime: '06:00' }] },
          { ...base, id: 'everything', rotation: { ...rotation, startDate: '2025-03-01' } },
        ),
      ),
    ).toEqual([
      {
        path: 'layers[0]',
        reason:
          'layer "nights" is hidden wherever it is active by higher layers ("everything"): ' +
          'nobody in it would ever be on call',
      },
    ]);
  });

  it('accepts a lower layer that shows before a higher one starts, after it ends, or between its windows', () => {
    const later = { ...base, id: 'later', rotation: { ...rotation, startDate: '2025-04-01' } };
    expect(problems(withLayers(base, later))).toEqual([]);
    expect(problems(withLayers(base, { ...base, id: 'until', end: '2025-04-01T00:00' }))).toEqual([]);
    expect(problems(withLayers(base, { ...base, id: 'days', restrictions: [weekdays] }))).toEqual([]);
    // Hidden only during the higher layer's life, which is shorter than the lower one's.
    expect(
      problems(
        withLayers(
          { ...base, end: '2025-03-20T00:00' },
          {
            ...base,
            id: 'cover',
            rotation: { ...rotation, startDate: '2025-03-01' },
            end: '2025-03-19T00:00',
          },
        ),
      ),
    ).toEqual([]);
  });

  it('refuses a layer whose restrictions leave it no time before it ends', () => {
    expect(
      problems(
        withLayers({
          ...base,
          end: '2025-03-03T12:00',
          restrictions: [{ type: 'daily', startTime: '18:00', endTime: '20:00' }],
        }),
      ),
    ).toEqual([
      {
        path: 'layers[0]',
        reason: 'layer "primary" is never active: its restrictions leave no time before it ends',
      },
    ]);
  });
});
