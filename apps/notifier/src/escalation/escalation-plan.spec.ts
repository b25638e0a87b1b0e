import fc from 'fast-check';
import { compileSchedule } from '../schedules/validate-schedule';
import { directoryOf } from './directory';
import {
  deliveryKey,
  nextPosition,
  planEscalation,
  planStep,
  recipientsOf,
  usableRules,
} from './escalation-plan';
import type { EscalationPolicy, NotificationRule } from './escalation-policy';

const MIN = 60_000;
const T0 = Date.parse('2025-03-03T10:00:00Z');

const rule = (
  id: string,
  afterMinutes: number,
  channel: NotificationRule['method']['channel'] = 'sms',
  usable = true,
) => ({
  afterMinutes,
  method: { id, channel, usable },
});

// Ann and Bob take turns daily at 09:00 Berlin time (08:00Z in March); Ann is on call at T0.
const primary = compileSchedule({
  timeZone: 'Europe/Berlin',
  layers: [
    {
      id: 'l',
      rotation: { type: 'daily', startDate: '2025-03-03', handoffTime: '09:00' },
      participants: ['ann', 'bob'],
    },
  ],
});

const directory = directoryOf({
  teams: new Map([
    ['ops', ['ann', 'cy']],
    ['empty', []],
  ]),
  schedules: new Map([['primary', primary]]),
  rules: new Map([
    [
      'ann',
      [
        rule('ann-push', 0, 'push'),
        rule('ann-sms', 5),
        rule('ann-push', 3, 'push'),
        rule('ann-voice', 10, 'voice'),
      ],
    ],
    ['bob', [rule('bob-email', 0, 'email')]],
    ['cy', [rule('cy-sms', 0, 'sms', false)]],
    ['dee', [rule('dee-email', 2, 'email')]],
  ]),
});

const policy: EscalationPolicy = {
  steps: [
    {
      targets: [
        { type: 'schedule', id: 'primary' },
        { type: 'team', id: 'ops' },
      ],
      delayMinutes: 15,
    },
    { targets: [{ type: 'user', id: 'dee' }], delayMinutes: 30 },
  ],
  repeat: 1,
};

describe('recipientsOf', () => {
  it('reaches each user once, through every target that names them, and lists unknown targets', () => {
    const step = {
      targets: [
        { type: 'schedule' as const, id: 'primary' },
        { type: 'team' as const, id: 'ops' },
        { type: 'team' as const, id: 'gone' },
        { type: 'user' as const, id: 'ann' },
      ],
      delayMinutes: 5,
    };
    const { recipients, unknownTargets } = recipientsOf(step, T0, directory);
    expect(recipients).toEqual([
      { userId: 'ann', via: [step.targets[0], step.targets[1], step.targets[3]] },
      { userId: 'cy', via: [step.targets[1]] },
    ]);
    expect(unknownTargets).toEqual([{ type: 'team', id: 'gone' }]);
  });
});

describe('planStep', () => {
  it('pages each user once per contact method at the minutes their rules say, with idempotency keys', () => {
    const plan = planStep({ incidentId: 'inc-1', policy, directory, repeat: 0, step: 0, startsAt: T0 });
    expect(plan.pages.map((p) => [p.userId, p.contactMethodId, p.channel, (p.at - T0) / MIN, p.key])).toEqual(
      [
        ['ann', 'ann-push', 'push', 0, 'page:inc-1:0:0:ann:ann-push'],
        ['ann', 'ann-sms', 'sms', 5, 'page:inc-1:0:0:ann:ann-sms'],
        ['ann', 'ann-voice', 'voice', 10, 'page:inc-1:0:0:ann:ann-voice'],
      ],
    );
    expect(plan.pages[0].via).toEqual(policy.steps[0].targets);
    expect(new Set(plan.pages.map((p) => p.key)).size).toBe(plan.pages.length);
    expect(plan.unreachable).toEqual(['cy']);
    expect(plan.next).toEqual({ repeat: 0, step: 1, at: T0 + 15 * MIN });
  });

  it('moves on at once from a step that pages nobody', () => {
    const empty: EscalationPolicy = {
      steps: [
        {
          targets: [
            { type: 'team', id: 'empty' },
            { type: 'user', id: 'cy' },
            { type: 'schedule', id: 'gone' },
          ],
          delayMinutes: 20,
        },
        { targets: [{ type: 'user', id: 'bob' }], delayMinutes: 20 },
      ],
      repeat: 0,
    };
    const plan = planStep({ incidentId: 'i', policy: empty, directory, repeat: 0, step: 0, startsAt: T0 });
    expect(plan).toMatchObject({
      pages: [],
      unreachable: ['cy'],
      unknownTargets: [{ type: 'schedule', id: 'gone' }],
      next: { repeat: 0, step: 1, at: T0 },
    });
  });

  it('ends after the last step of the last pass, and refuses positions outside the policy', () => {
    expect(
      planStep({ incidentId: 'i', policy, directory, repeat: 1, step: 1, startsAt: T0 }).next,
    ).toBeNull();
    expect(() => planStep({ incidentId: 'i', policy, directory, repeat: 2, step: 0, startsAt: T0 })).toThrow(
      RangeError,
    );
    expect(() => planStep({ incidentId: 'i', policy, directory, repeat: 0, step: 2, startsAt: T0 })).toThrow(
      RangeError,
    );
  });
});

describe('planEscalation', () => {
  it('runs every step of every pass, asking the schedule who is on call when each step starts', () => {
    // Starting 40 minutes before the 09:00 hand-off (07:20Z is 08:20 in Berlin): the first pass reaches
    // Ann, whose shift runs until 09:00; the second pass starts after it and reaches Bob.
    const start = Date.parse('2025-03-04T07:20:00Z');
    const plans = planEscalation({ incidentId: 'inc-2', policy, directory, startsAt: start });
    expect(
      plans.map((p) => [p.repeat, p.step, (p.startsAt - start) / MIN, p.recipients.map((r) => r.userId)]),
    ).toEqual([
      [0, 0, 0, ['ann', 'cy']],
      [0, 1, 15, ['dee']],
      [1, 0, 45, ['bob', 'ann', 'cy']],
      [1, 1, 60, ['dee']],
    ]);
    expect(plans[0].pages.map((p) => p.key)).toContain('page:inc-2:0:0:ann:ann-push');
    expect(plans[2].pages.map((p) => p.key)).toEqual([
      'page:inc-2:0:1:bob:bob-email',
      'page:inc-2:0:1:ann:ann-push',
      'page:inc-2:0:1:ann:ann-sms',
      'page:inc-2:0:1:ann:ann-voice',
    ]);
    const keys = plans.flatMap((p) => p.pages.map((page) => page.key));
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('passes through steps that page nobody without waiting, and stops after the passes', () => {
    const silent: EscalationPolicy = {
      steps: [
        { targets: [{ type: 'team', id: 'empty' }], delayMinutes: 30 },
        { targets: [{ type: 'user', id: 'bob' }], delayMinutes: 10 },
      ],
      repeat: 2,
    };
    const plans = planEscalation({ incidentId: 'i', policy: silent, directory, startsAt: T0 });
    expect(plans.map((p) => [p.repeat, p.step, (p.startsAt - T0) / MIN])).toEqual([
      [0, 0, 0],
      [0, 1, 0],
      [1, 0, 10],
      [1, 1, 10],
      [2, 0, 20],
      [2, 1, 20],
    ]);
  });
});

describe('nextPosition', () => {
  it('walks the steps, then the passes', () => {
    expect(nextPosition(policy, { repeat: 0, step: 0 })).toEqual({ repeat: 0, step: 1 });
    expect(nextPosition(policy, { repeat: 0, step: 1 })).toEqual({ repeat: 1, step: 0 });
    expect(nextPosition(policy, { repeat: 1, step: 1 })).toBeNull();
  });
});

describe('usableRules', () => {
  it('keeps usable rules, the earliest per contact method, in firing order', () => {
    expect(
      usableRules([
        rule('a', 10),
        rule('b', 0, 'email', false),
        rule('a', 2),
        rule('c', 1),
        rule('d', -1),
      ]).map((r) => [r.method.id, r.afterMinutes]),
    ).toEqual([
      ['c', 1],
      ['a', 2],
    ]);
    expect(usableRules(null)).toEqual([]);
  });
});

describe('deliveryKey', () => {
  it('is the same for the same delivery and different for any other', () => {
    const part = fc.string({ maxLength: 6, unit: fc.constantFrom('a', ':', '%', '3', 'A', 'é') });
    const tuple = fc.record({
      incidentId: part,
      step: fc.nat(3),
      repeat: fc.nat(3),
      userId: part,
      contactMethodId: part,
    });
    fc.assert(
      fc.property(tuple, tuple, (a, b) => {
        expect(deliveryKey(a) === deliveryKey(b)).toBe(JSON.stringify(a) === JSON.stringify(b));
        expect(deliveryKey(a)).toBe(deliveryKey({ ...a }));
      }),
      { numRuns: 500 },
    );
    expect(deliveryKey({ incidentId: 'a:b', step: 1, repeat: 0, userId: 'u', contactMethodId: 'm' })).toBe(
      'page:a%3Ab:1:0:u:m',
    );
    expect(() =>
      deliveryKey({ incidentId: 'a', step: -1, repeat: 0, userId: 'u', contactMethodId: 'm' }),
    ).toThrow(RangeError);
  });
});
