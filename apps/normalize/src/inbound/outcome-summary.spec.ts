import { summarize, type EventOutcome } from './outcome-summary';

const event = (index: number, outcome: EventOutcome['outcome'], incidentId: string | null = null) => ({
  index,
  outcome,
  incidentId,
  detail: null,
});

describe('summarize', () => {
  it('is the single event itself', () => {
    expect(
      summarize([{ index: 0, outcome: 'ignored', incidentId: null, detail: 'no open incident' }]),
    ).toEqual({
      outcome: 'ignored',
      incidentId: null,
      detail: 'no open incident',
    });
  });

  it('stays accepted while any event is on its way', () => {
    expect(summarize([event(0, 'opened', 'i-1'), event(1, 'accepted')])).toEqual({
      outcome: 'accepted',
      incidentId: 'i-1',
      detail: '2 events: 1 opened, 1 accepted',
    });
  });

  it('speaks with the outcome that matters most, and counts the others', () => {
    expect(summarize([event(0, 'appended', 'i-1'), event(1, 'closed', 'i-2'), event(2, 'filtered')])).toEqual(
      {
        outcome: 'closed',
        incidentId: 'i-2',
        detail: '3 events: 1 appended, 1 closed, 1 filtered',
      },
    );
  });

  it('puts a failure above everything', () => {
    expect(summarize([event(0, 'opened', 'i-1'), event(1, 'failed')]).outcome).toBe('failed');
  });

  it('says so when there were no events at all', () => {
    expect(summarize([])).toEqual({
      outcome: 'ignored',
      incidentId: null,
      detail: 'the message held no events',
    });
  });
});
