import { validatePolicy } from './escalation-policy';

describe('validatePolicy', () => {
  it('accepts a policy, keeping a target named twice in one step once', () => {
    expect(
      validatePolicy({
        steps: [
          {
            targets: [
              { type: 'schedule', id: 'primary' },
              { type: 'user', id: 'ann' },
              { type: 'schedule', id: 'primary' },
            ],
            delayMinutes: 15,
          },
        ],
        repeat: 2,
      }),
    ).toEqual({
      ok: true,
      policy: {
        steps: [
          {
            targets: [
              { type: 'schedule', id: 'primary' },
              { type: 'user', id: 'ann' },
            ],
            delayMinutes: 15,
          },
        ],
        repeat: 2,
      },
    });
    expect(
      validatePolicy({ steps: [{ targets: [{ type: 'team', id: 't' }], delayMinutes: 1 }] }),
    ).toMatchObject({
      ok: true,
      policy: { repeat: 0 },
    });
  });

  it('answers every problem with its path', () => {
    expect(
      validatePolicy({
        steps: [
          { targets: [], delayMinutes: 0 },
          {
            targets: [{ type: 'group', id: 'x' }, { type: 'user', id: ' ' }, 'ann'],
            delayMinutes: 1.5,
            wait: 1,
          },
          null,
        ],
        repeat: 10,
        name: 'x',
      }),
    ).toEqual({
      ok: false,
      problems: [
        { path: 'name', reason: 'unknown field; expected steps, repeat' },
        { path: 'repeat', reason: 'a whole number from 0 to 9' },
        { path: 'steps[0].delayMinutes', reason: 'a whole number of minutes from 1 to 1440' },
        { path: 'steps[0].targets', reason: 'a step needs a target' },
        { path: 'steps[1].wait', reason: 'unknown field; expected targets, delayMinutes' },
        { path: 'steps[1].delayMinutes', reason: 'a whole number of minutes from 1 to 1440' },
        { path: 'steps[1].targets[0].type', reason: 'one of user, team, schedule' },
        { path: 'steps[1].targets[1].id', reason: 'a non-empty string' },
        { path: 'steps[1].targets[2]', reason: 'a target is an object: type, id' },
        { path: 'steps[2]', reason: 'a step is an object: targets, delayMinutes' },
      ],
    });
    expect(validatePolicy([])).toEqual({
      ok: false,
      problems: [{ path: '', reason: 'a policy is an object' }],
    });
    expect(validatePolicy({ steps: [] })).toEqual({
      ok: false,
      problems: [{ path: 'steps', reason: 'a policy needs at least one step' }],
    });
  });

  it('bounds steps and targets', () => {
    const step = { targets: [{ type: 'user', id: 'u' }], delayMinutes: 5 };
    expect(validatePolicy({ steps: Array(21).fill(step) })).toEqual({
      ok: false,
      problems: [{ path: 'steps', reason: 'at most 20 steps' }],
    });
    expect(validatePolicy({ steps: [{ ...step, targets: Array(21).fill(step.targets[0]) }] })).toEqual({
      ok: false,
      problems: [{ path: 'steps[0].targets', reason: 'at most 20 targets' }],
    });
  });
});
