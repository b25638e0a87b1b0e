import { EVENT_ACTIONS, type EventAction } from '@tocsin/contracts';
import { applyEvent, intervene, type IncidentState, type Policy, type Step } from './incident-machine';

const MIN = 60_000;
const POLICY: Policy = {
  reopenWindowMs: 0,
  flapTransitions: 5,
  flapWindowMs: 30 * MIN,
  flapQuietMs: 30 * MIN,
};
const event = (action: EventAction, dedupKey = 'k', at = 1_000 * MIN) => ({ action, dedupKey, at });

/** Applies events in order, carrying the incident of the key the way the service does. */
function run(events: ReturnType<typeof event>[], policy = POLICY): Step[] {
  let current: IncidentState | null = null;
  return events.map((e) => {
    const step = applyEvent(current, e, policy);
    if (step.target !== 'none') current = step.next;
    return step;
  });
}

describe('applyEvent: the table of DESIGN.md section 5', () => {
  it('opens on open and ignores the rest when no incident is open', () => {
    expect(applyEvent(null, event('open'), POLICY)).toMatchObject({
      outcome: 'opened',
      change: 'opened',
      target: 'new',
      next: { status: 'triggered', alerts: [{ dedupKey: 'k', status: 'firing', count: 1 }] },
    });
    for (const action of ['close', 'acknowledge', 'update'] as const) {
      expect(applyEvent(null, event(action), POLICY)).toMatchObject({
        outcome: 'ignored',
        change: null,
        target: 'none',
        reason: `no open incident to ${action}`,
      });
    }
  });

  it.each(['triggered', 'acknowledged'] as const)('follows the table for an open %s incident', (status) => {
    const open: IncidentState = {
      status,
      openedAt: 0,
      resolvedAt: null,
      alerts: [
        {
          dedupKey: 'k',
          status: 'firing',
          count: 1,
          firstSeen: 0,
          lastSeen: 0,
          transitions: [],
          flapping: false,
        },
      ],
    };
    expect(applyEvent(open, event('open'), POLICY)).toMatchObject({
      outcome: 'appended',
      change: 'appended',
      next: { status, alerts: [{ count: 2 }] },
    });
    expect(applyEvent(open, event('close'), POLICY)).toMatchObject({
      outcome: 'closed',
      change: 'resolved',
      next: { status: 'resolved', resolvedAt: event('close').at },
    });
    expect(applyEvent(open, event('update'), POLICY)).toMatchObject({
      outcome: 'updated',
      change: 'updated',
    });
    expect(applyEvent(open, event('acknowledge'), POLICY)).toMatchObject({
      outcome: 'acknowledged',
      next: { status: 'acknowledged' },
      change: status === 'triggered' ? 'acknowledged' : null,
    });
  });

  it('has an answer for every state and action', () => {
    for (const status of ['triggered', 'acknowledged', 'resolved'] as const) {
      const current: IncidentState = {
        status,
        openedAt: 0,
        resolvedAt: status === 'resolved' ? 0 : null,
        alerts: [],
      };
      for (const action of EVENT_ACTIONS)
        expect(applyEvent(current, event(action), POLICY).outcome).toBeDefined();
    }
  });
});

describe('alerts inside an incident', () => {
  it('counts the same failure reported forty times as one incident with a count of forty', () => {
    const steps = run(Array.from({ length: 40 }, () => event('open')));
    expect(steps.map((s) => s.outcome)).toEqual(['opened', ...Array<string>(39).fill('appended')]);
    expect(steps[39]?.next?.alerts).toEqual([expect.objectContaining({ dedupKey: 'k', count: 40 })]);
  });

  it('resolves the incident only when all of its alerts have resolved', () => {
    const steps = run([event('open', 'a'), event('open', 'b'), event('close', 'a'), event('close', 'b')]);
    expect(steps.map((s) => [s.outcome, s.change, s.next?.status])).toEqual([
      ['opened', 'opened', 'triggered'],
      ['appended', 'appended', 'triggered'],
      ['closed', 'updated', 'triggered'],
      ['closed', 'resolved', 'resolved'],
    ]);
    expect(steps[1]).toMatchObject({ newAlert: true });
    expect(steps[2]?.reason).toBe('1 of 2 alerts still firing');
  });

  it('records a new alert joining an acknowledged incident without changing its status', () => {
    const steps = run([event('open', 'a'), event('acknowledge', 'a'), event('open', 'b')]);
    expect(steps[2]).toMatchObject({
      outcome: 'appended',
      newAlert: true,
      next: { status: 'acknowledged', alerts: [{ dedupKey: 'a' }, { dedupKey: 'b', status: 'firing' }] },
    });
  });

  it('ignores a close for an alert that is not firing, with the reason', () => {
    const steps = run([
      event('open', 'a'),
      event('close', 'x'),
      event('open', 'b'),
      event('close', 'b'),
      event('close', 'b'),
    ]);
    expect(steps[1]).toMatchObject({
      outcome: 'ignored',
      reason: 'alert "x" is not part of the open incident',
    });
    expect(steps[4]).toMatchObject({ outcome: 'ignored', reason: 'alert "b" already resolved' });
  });

  it('ignores a close, acknowledge or update older than the incident it would change', () => {
    const open = applyEvent(null, event('open', 'k', 100 * MIN), POLICY).next;
    for (const action of ['close', 'acknowledge', 'update'] as const) {
      expect(applyEvent(open, event(action, 'k', 99 * MIN), POLICY)).toMatchObject({
        outcome: 'ignored',
        reason: 'the event is older than the incident it would change',
      });
    }
    expect(applyEvent(open, event('open', 'k', 99 * MIN), POLICY).outcome).toBe('appended');
  });
});

describe('the reopen window', () => {
  const storm = (gap: number) => [
    event('open', 'k', 0),
    event('close', 'k', MIN),
    event('open', 'k', MIN + gap),
  ];

  it('is off by default: a trigger after a resolve opens a new incident', () => {
    expect(run(storm(MIN)).map((s) => [s.change, s.target])).toEqual([
      ['opened', 'new'],
      ['resolved', 'same'],
      ['opened', 'new'],
    ]);
  });

  it('reopens the same incident inside the window, and opens a new one after it', () => {
    const policy = { ...POLICY, reopenWindowMs: 10 * MIN };
    expect(run(storm(5 * MIN), policy)[2]).toMatchObject({
      outcome: 'opened',
      change: 'reopened',
      target: 'same',
      next: { status: 'triggered', resolvedAt: null, alerts: [{ count: 2, status: 'firing' }] },
    });
    expect(run(storm(11 * MIN), policy)[2]).toMatchObject({ change: 'opened', target: 'new' });
  });
});

describe('flapping', () => {
  const policy = {
    ...POLICY,
    reopenWindowMs: 60 * MIN,
    flapTransitions: 3,
    flapWindowMs: 10 * MIN,
    flapQuietMs: 15 * MIN,
  };
  const flaps = (count: number, start = 0) =>
    Array.from({ length: count }, (_, i) => event(i % 2 === 0 ? 'open' : 'close', 'k', start + i * MIN));

  it('marks an alert flapping after more transitions than allowed within the window, once', () => {
    const steps = run(flaps(6), policy);
    const started = steps.filter((s) => s.startedFlapping);
    expect(started).toHaveLength(1);
    // open (no transition), close (1), reopen (2), close (3), reopen (4: more than 3)
    expect(steps.indexOf(started[0])).toBe(4);
    expect(steps[5]?.alert?.flapping).toBe(true);
  });

  it('does not count transitions that left the window', () => {
    const slow = Array.from({ length: 8 }, (_, i) => event(i % 2 === 0 ? 'open' : 'close', 'k', i * 6 * MIN));
    expect(run(slow, policy).some((s) => s.startedFlapping)).toBe(false);
  });

  it('calms down after the quiet period, and may start again', () => {
    const steps = run([...flaps(6), ...flaps(6, 40 * MIN)], policy);
    expect(steps.filter((s) => s.startedFlapping)).toHaveLength(2);
  });
});

describe('intervene', () => {
  const open = applyEvent(null, event('open', 'a'), POLICY).next as IncidentState;

  it('acknowledges once, and resolves every alert', () => {
    expect(intervene(open, 'acknowledge', 1)).toMatchObject({ ok: true, change: 'acknowledged' });
    const acked = intervene(open, 'acknowledge', 1);
    expect(acked.ok && intervene(acked.next, 'acknowledge', 2)).toMatchObject({ ok: true, change: null });
    expect(intervene(open, 'resolve', 5)).toMatchObject({
      ok: true,
      change: 'resolved',
      next: { status: 'resolved', resolvedAt: 5, alerts: [{ status: 'resolved' }] },
    });
  });

  it('refuses to acknowledge or resolve a resolved incident', () => {
    const resolved = intervene(open, 'resolve', 5);
    if (!resolved.ok) throw new Error('not resolved');
    expect(intervene(resolved.next, 'acknowledge', 6)).toEqual({
      ok: false,
      reason: 'the incident is already resolved',
    });
  });
});
