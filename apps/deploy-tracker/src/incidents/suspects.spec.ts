import { duration, MAX_SUSPECTS, selectSuspects, suspectOf, type DeployFacts } from './suspects';

const HOUR = 3_600_000;
const OPENED = new Date('2026-03-01T12:00:00Z');
const incident = { openedAt: OPENED, environment: null };

function deploy(id: string, minutesBefore: number, environment: string | null = null): DeployFacts {
  return { id, deployedAt: new Date(OPENED.getTime() - minutesBefore * 60_000), environment };
}

describe('suspect deploys', () => {
  it('takes the deploys within the window before the incident, nearest first, with the reason', () => {
    const suspects = selectSuspects(
      incident,
      [
        deploy('far', 119),
        deploy('near', 5),
        deploy('after', -1),
        deploy('too-early', 121),
        deploy('mid', 65),
      ],
      'checkout',
      2 * HOUR,
    );
    expect(suspects).toEqual([
      {
        deployId: 'near',
        secondsBefore: 300,
        reason: 'deployed 5 min before the incident opened; same service (checkout)',
      },
      {
        deployId: 'mid',
        secondsBefore: 3900,
        reason: 'deployed 1 h 5 min before the incident opened; same service (checkout)',
      },
      {
        deployId: 'far',
        secondsBefore: 7140,
        reason: 'deployed 1 h 59 min before the incident opened; same service (checkout)',
      },
    ]);
  });

  it('counts a deploy at the very instant the incident opened, and one exactly a window before', () => {
    expect(suspectOf(incident, deploy('same', 0), 's', HOUR)?.reason).toBe(
      'deployed under a minute before the incident opened; same service (s)',
    );
    expect(suspectOf(incident, deploy('edge', 60), 's', HOUR)).not.toBeNull();
    expect(
      suspectOf(
        incident,
        { ...deploy('past', 60), deployedAt: new Date(OPENED.getTime() - HOUR - 1) },
        's',
        HOUR,
      ),
    ).toBeNull();
  });

  it('matches environments when both say one, whatever the case, and ignores them otherwise', () => {
    const prod = { openedAt: OPENED, environment: 'Production' };
    expect(suspectOf(prod, deploy('d', 10, 'production'), 's', HOUR)?.reason).toBe(
      'deployed 10 min before the incident opened; same service (s); same environment (production)',
    );
    expect(suspectOf(prod, deploy('d', 10, 'staging'), 's', HOUR)).toBeNull();
    expect(suspectOf(prod, deploy('d', 10, null), 's', HOUR)).not.toBeNull();
    expect(suspectOf(incident, deploy('d', 10, 'staging'), 's', HOUR)).not.toBeNull();
  });

  it(`keeps at most ${MAX_SUSPECTS}, the nearest`, () => {
    const many = Array.from({ length: 80 }, (_, i) => deploy(`d${String(i).padStart(2, '0')}`, i));
    const suspects = selectSuspects(incident, many, 's', 2 * HOUR);
    expect(suspects).toHaveLength(MAX_SUSPECTS);
    expect(suspects[0]?.deployId).toBe('d00');
    expect(suspects.at(-1)?.deployId).toBe('d49');
  });

  it.each([
    [0, 'under a minute'],
    [59, 'under a minute'],
    [60, '1 min'],
    [3599, '59 min'],
    [3600, '1 h'],
    [7260, '2 h 1 min'],
  ])('says %i seconds as %s', (seconds, text) => {
    expect(duration(seconds)).toBe(text);
  });
});
