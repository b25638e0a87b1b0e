import { canonicalUserIds, policyTargets, problemText, scheduleUsers } from './references-in-definitions';

const ANN = '0190a000-0000-7000-8000-0000000000aa';

describe('scheduleUsers', () => {
  it('names every participant and override user with its path', () => {
    expect(
      scheduleUsers({
        layers: [
          { id: 'a', participants: [ANN, ['bob', 'cy']] },
          { id: 'b', participants: ['dee'] },
        ],
        overrides: [{ id: 'o', userId: 'eve' }],
      }),
    ).toEqual([
      { path: 'layers[0].participants[0]', id: ANN },
      { path: 'layers[0].participants[1][0]', id: 'bob' },
      { path: 'layers[0].participants[1][1]', id: 'cy' },
      { path: 'layers[1].participants[0]', id: 'dee' },
      { path: 'overrides[0].userId', id: 'eve' },
    ]);
  });

  it('leaves out what the validator refuses on its own, and reads around malformed parts', () => {
    expect(
      scheduleUsers({
        layers: [
          { participants: ['', '  ', 'x'.repeat(201), 7, null, ['ok', {}]] },
          'not a layer',
          { participants: 'everyone' },
        ],
        overrides: { id: 'o' },
      }),
    ).toEqual([{ path: 'layers[0].participants[5][0]', id: 'ok' }]);
    expect(scheduleUsers({})).toEqual([]);
  });
});

describe('policyTargets', () => {
  it('groups the targets of every step by type, with their paths', () => {
    expect(
      policyTargets([
        {
          targets: [
            { type: 'user', id: 'u' },
            { type: 'team', id: 't' },
          ],
        },
        {
          targets: [
            { type: 'schedule', id: 's' },
            { type: 'pager', id: 'p' },
            { type: 'user', id: '' },
          ],
        },
        null,
      ]),
    ).toEqual({
      user: [{ path: 'steps[0].targets[0]', id: 'u' }],
      team: [{ path: 'steps[0].targets[1]', id: 't' }],
      schedule: [{ path: 'steps[1].targets[0]', id: 's' }],
    });
    expect(policyTargets('all')).toEqual({ user: [], team: [], schedule: [] });
  });

  it('reads no further than a policy may go, however long the lists', () => {
    const step = { targets: Array.from({ length: 30 }, (_, i) => ({ type: 'user', id: `u${i}` })) };
    const found = policyTargets(Array.from({ length: 30 }, () => step));
    expect(found.user).toHaveLength(20 * 20);
    expect(found.user[found.user.length - 1].path).toBe('steps[19].targets[19]');
  });
});

describe('canonicalUserIds', () => {
  it('writes UUIDs in lower case, leaves every other value as it is', () => {
    const upper = ANN.toUpperCase();
    const definition = {
      timeZone: 'UTC',
      layers: [{ id: 'a', participants: [upper, [upper, 'Bob']], rotation: { type: 'daily' } }, 'odd'],
      overrides: [{ id: 'o', userId: upper, start: 's' }, { id: 'p' }],
    };
    expect(canonicalUserIds(definition)).toEqual({
      timeZone: 'UTC',
      layers: [{ id: 'a', participants: [ANN, [ANN, 'Bob']], rotation: { type: 'daily' } }, 'odd'],
      overrides: [{ id: 'o', userId: ANN, start: 's' }, { id: 'p' }],
    });
    // The input is not changed.
    expect(definition.layers[0]).toMatchObject({ participants: [upper, [upper, 'Bob']] });
  });
});

describe('problemText', () => {
  it('puts the path before the reason, when there is one', () => {
    expect(problemText({ path: 'layers[0].id', reason: 'a non-empty string' })).toBe(
      'layers[0].id: a non-empty string',
    );
    expect(problemText({ path: '', reason: 'a schedule is an object' })).toBe('a schedule is an object');
  });
});
