import type { InboundOutcome } from '@tocsin/contracts';

/** The part of an event of an inbound message that decides the message's own outcome. */
export interface EventOutcome {
  index: number;
  outcome: InboundOutcome;
  incidentId: string | null;
  detail: string | null;
}

export interface MessageOutcome {
  outcome: InboundOutcome;
  incidentId: string | null;
  detail: string | null;
}

/**
 * Which outcome speaks for a message whose events ended differently: a failure first, then what
 * changed an incident the most, then what changed nothing.
 */
const PRECEDENCE: readonly InboundOutcome[] = [
  'failed',
  'opened',
  'closed',
  'acknowledged',
  'updated',
  'appended',
  'ignored',
  'filtered',
  'unmapped',
  'invalid',
];

/**
 * The outcome of a message from those of its events: `accepted` while any event is still on its
 * way, the event's own for a single event, and for several the one that matters most, with a
 * count of each in the detail.
 */
export function summarize(events: readonly EventOutcome[]): MessageOutcome {
  if (events.length === 0)
    return { outcome: 'ignored', incidentId: null, detail: 'the message held no events' };
  const ordered = [...events].sort((a, b) => a.index - b.index);
  const touched = ordered.find((e) => e.incidentId !== null)?.incidentId ?? null;
  if (ordered.some((e) => e.outcome === 'accepted')) {
    return { outcome: 'accepted', incidentId: touched, detail: countsOf(ordered) };
  }
  if (ordered.length === 1) {
    const [only] = ordered as [EventOutcome];
    return { outcome: only.outcome, incidentId: only.incidentId, detail: only.detail };
  }
  const outcome = PRECEDENCE.find((o) => ordered.some((e) => e.outcome === o)) ?? 'ignored';
  const speaker = ordered.find((e) => e.outcome === outcome);
  return { outcome, incidentId: speaker?.incidentId ?? touched, detail: countsOf(ordered) };
}

function countsOf(events: readonly EventOutcome[]): string | null {
  if (events.length < 2) return events[0]?.detail ?? null;
  const counts = new Map<InboundOutcome, number>();
  for (const e of events) counts.set(e.outcome, (counts.get(e.outcome) ?? 0) + 1);
  const parts = [...counts].map(([outcome, n]) => `${n} ${outcome}`);
  return `${events.length} events: ${parts.join(', ')}`;
}
