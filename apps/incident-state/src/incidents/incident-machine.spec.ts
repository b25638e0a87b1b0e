import { EVENT_ACTIONS } from '@tocsin/contracts';
import { transition } from './incident-machine';

describe('transition', () => {
  it('follows the DESIGN.md table when no incident is open', () => {
    expect(transition(null, 'open')).toMatchObject({
      outcome: 'opened',
      change: 'opened',
      status: 'triggered',
    });
    for (const action of ['close', 'acknowledge', 'update'] as const) {
      expect(transition(null, action)).toMatchObject({ outcome: 'ignored', change: null });
    }
  });

  it.each(['triggered', 'acknowledged'] as const)('follows the table for an open %s incident', (status) => {
    expect(transition({ status }, 'open')).toMatchObject({ outcome: 'appended', change: 'appended', status });
    expect(transition({ status }, 'close')).toMatchObject({
      outcome: 'closed',
      change: 'resolved',
      status: 'resolved',
    });
    expect(transition({ status }, 'update')).toMatchObject({ outcome: 'updated', change: 'updated', status });
    expect(transition({ status }, 'acknowledge')).toMatchObject({
      outcome: 'acknowledged',
      status: 'acknowledged',
    });
  });

  it('does not announce a second acknowledgement', () => {
    expect(transition({ status: 'acknowledged' }, 'acknowledge').change).toBeNull();
    expect(transition({ status: 'triggered' }, 'acknowledge').change).toBe('acknowledged');
  });

  it('has an answer for every state and action', () => {
    for (const open of [null, { status: 'triggered' as const }, { status: 'acknowledged' as const }]) {
      for (const action of EVENT_ACTIONS) expect(transition(open, action).outcome).toBeDefined();
    }
  });
});
