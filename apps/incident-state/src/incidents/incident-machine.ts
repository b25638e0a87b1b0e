import type { AppliedOutcome, EventAction, IncidentChange, IncidentStatus } from '@tocsin/contracts';

/** The part of an open incident the rules look at. */
export interface OpenIncidentState {
  status: Exclude<IncidentStatus, 'resolved'>;
}

export interface Transition {
  outcome: AppliedOutcome;
  /** What happens to the incident; null when nothing changes. */
  change: IncidentChange | null;
  /** The status afterwards, when the incident exists afterwards. */
  status: IncidentStatus | null;
  reason?: string;
}

/**
 * DESIGN.md section 5, as a function: what one event does to the open incident of its key
 * (integration, dedup key), or to its absence. Pure: no clock, no I/O.
 */
export function transition(open: OpenIncidentState | null, action: EventAction): Transition {
  if (open === null) {
    switch (action) {
      case 'open':
        return { outcome: 'opened', change: 'opened', status: 'triggered' };
      case 'close':
      case 'acknowledge':
      case 'update':
        return { outcome: 'ignored', change: null, status: null, reason: `no open incident to ${action}` };
    }
  }
  switch (action) {
    case 'open':
      return { outcome: 'appended', change: 'appended', status: open.status };
    case 'close':
      return { outcome: 'closed', change: 'resolved', status: 'resolved' };
    case 'acknowledge':
      return open.status === 'triggered'
        ? { outcome: 'acknowledged', change: 'acknowledged', status: 'acknowledged' }
        : { outcome: 'acknowledged', change: null, status: 'acknowledged', reason: 'already acknowledged' };
    case 'update':
      return { outcome: 'updated', change: 'updated', status: open.status };
  }
}
