import { compileSchedule } from '../schedules/validate-schedule';
import { directoryOf } from './directory';
import type { EscalationPolicy, NotificationRule } from './escalation-policy';
import { checkPolicy } from './policy-check';

const FROM = Date.parse('2025-03-03T00:00:00Z'); // a Monday
const DAY = 24 * 60 * 60_000;
const sms = (id: string, usable = true): NotificationRule[] => [
  { afterMinutes: 0, method: { id, channel: 'sms', usable } },
];

// Business hours: weekdays 09:00–17:00 in Berlin. Around the clock: daily rotation.
const businessHours = compileSchedule({
  timeZone: 'Europe/Berlin',
  layers: [
    {
      id: 'days',
      rotation: { type: 'weekly', startDate: '2025-03-03', handoffTime: '09:00' },
      participants: ['ann', 'bob'],
      restrictions: (['monday', 'tuesday', 'wednesday', 'thursday', 'friday'] as const).map((day) => ({
        type: 'weekly' as const,
        startDay: day,
        startTime: '09:00',
        endDay: day,
        endTime: '17:00',
      })),
    },
  ],
});
const always = compileSchedule({
  timeZone: 'America/New_York',
  layers: [
    {
      id: 'l',
      rotation: { type: 'daily', startDate: '2025-02-01', handoffTime: '09:00' },
      participants: ['cy', 'dee'],
    },
  ],
});

const directory = directoryOf({
  teams: new Map([
    ['ops', ['cy', 'eve', 'ghost']],
    ['nobody', []],
  ]),
  schedules: new Map([
    ['business', businessHours],
    ['always', always],
  ]),
  rules: new Map([
    ['ann', sms('ann-sms')],
    ['bob', sms('bob-sms', false)],
    ['cy', sms('cy-sms')],
    ['dee', sms('dee-sms')],
    ['eve', []],
  ]),
});

const policy = (...steps: EscalationPolicy['steps'][number]['targets'][]): EscalationPolicy => ({
  steps: steps.map((targets) => ({ targets, delayMinutes: 10 })),
  repeat: 0,
});

describe('checkPolicy', () => {
  it('finds nothing wrong with a policy that reaches somebody reachable at every moment', () => {
    expect(checkPolicy(policy([{ type: 'schedule', id: 'always' }]), directory, { from: FROM })).toEqual([]);
  });

  it('finds the spans in which a step has nobody on call, and those in which no step has', () => {
    const issues = checkPolicy(policy([{ type: 'schedule', id: 'business' }]), directory, {
      from: FROM,
      days: 7,
    });
    expect(issues.filter((i) => i.kind === 'gap').map((i) => i.kind === 'gap' && [i.start, i.end])).toEqual([
      [FROM, Date.parse('2025-03-03T08:00:00Z')],
      [Date.parse('2025-03-03T16:00:00Z'), Date.parse('2025-03-04T08:00:00Z')],
      [Date.parse('2025-03-04T16:00:00Z'), Date.parse('2025-03-05T08:00:00Z')],
      [Date.parse('2025-03-05T16:00:00Z'), Date.parse('2025-03-06T08:00:00Z')],
      [Date.parse('2025-03-06T16:00:00Z'), Date.parse('2025-03-07T08:00:00Z')],
      [Date.parse('2025-03-07T16:00:00Z'), FROM + 7 * DAY],
    ]);
    expect(issues[0]).toEqual({
      kind: 'gap',
      step: 0,
      start: FROM,
      end: Date.parse('2025-03-03T08:00:00Z'),
      reason: 'step 1 has nobody on call from 2025-03-03T00:00Z to 2025-03-03T08:00Z; it would pass at once',
    });
    const uncovered = issues.filter((i) => i.kind === 'uncovered');
    expect(uncovered).toHaveLength(6);
    expect(uncovered[0].reason).toBe(
      'no step has anybody on call from 2025-03-03T00:00Z to 2025-03-03T08:00Z: an incident would page nobody',
    );

    // A second step around the clock closes the policy's gaps, not the first step's.
    const backed = checkPolicy(
      policy([{ type: 'schedule', id: 'business' }], [{ type: 'schedule', id: 'always' }]),
      directory,
      { from: FROM, days: 7 },
    );
    expect(backed.filter((i) => i.kind === 'gap')).toHaveLength(6);
    expect(backed.filter((i) => i.kind === 'uncovered')).toEqual([]);
  });

  it('follows the schedule across the spring change: the gaps end at 09:00 Berlin time on both sides', () => {
    const issues = checkPolicy(policy([{ type: 'schedule', id: 'business' }]), directory, {
      from: Date.parse('2025-03-28T00:00:00Z'),
      days: 4,
    });
    expect(
      issues.filter((i) => i.kind === 'gap').map((i) => i.kind === 'gap' && new Date(i.end).toISOString()),
    ).toEqual([
      '2025-03-28T08:00:00.000Z', // 09:00 CET
      '2025-03-31T07:00:00.000Z', // 09:00 CEST
      '2025-04-01T00:00:00.000Z',
    ]);
  });

  it('names the users a step would reach who have no usable contact method, once per step', () => {
    const issues = checkPolicy(
      policy(
        [
          { type: 'schedule', id: 'business' },
          { type: 'team', id: 'ops' },
          { type: 'user', id: 'bob' },
        ],
        [{ type: 'team', id: 'nobody' }],
      ),
      directory,
      { from: FROM, days: 14 },
    );
    expect(issues.filter((i) => i.kind === 'unreachable').map((i) => i.reason)).toEqual([
      'step 1: schedule "business": user "bob" has no usable contact method (on call from 2025-03-10T08:00Z)',
      'step 1: team "ops": member "eve" has no usable contact method',
      'step 1: team "ops": member "ghost" does not exist',
      'step 2: team "nobody" has no members',
    ]);
    expect(issues.find((i) => i.kind === 'unreachable')).toMatchObject({
      step: 0,
      target: { type: 'schedule', id: 'business' },
      userId: 'bob',
      firstOnCall: Date.parse('2025-03-10T08:00:00Z'),
    });
    // The team covers step 1 at every moment; the empty team covers nothing.
    expect(issues.filter((i) => i.kind === 'gap').map((i) => i.step)).toEqual([1]);
  });

  it('names targets that do not exist', () => {
    const issues = checkPolicy(
      policy([
        { type: 'schedule', id: 'gone' },
        { type: 'team', id: 'gone' },
        { type: 'user', id: 'gone' },
      ]),
      directory,
      { from: FROM, days: 1 },
    );
    expect(issues.map((i) => [i.kind, i.reason])).toEqual([
      ['unknown-target', 'step 1: schedule "gone" does not exist'],
      ['unknown-target', 'step 1: team "gone" does not exist'],
      ['unknown-target', 'step 1: user "gone" does not exist'],
      ['gap', 'step 1 has nobody on call from 2025-03-03T00:00Z to 2025-03-04T00:00Z; it would pass at once'],
      [
        'uncovered',
        'no step has anybody on call from 2025-03-03T00:00Z to 2025-03-04T00:00Z: an incident would page nobody',
      ],
    ]);
  });

  it('looks 30 days ahead unless told otherwise', () => {
    const issues = checkPolicy(policy([{ type: 'team', id: 'nobody' }]), directory, { from: FROM });
    expect(issues.find((i) => i.kind === 'gap')).toMatchObject({ start: FROM, end: FROM + 30 * DAY });
  });
});
