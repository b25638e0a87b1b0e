import type { AppliedOutcome, EventAction, IncidentChange, IncidentStatus } from '@tocsin/contracts';

/*
 * DESIGN.md section 5 as plain functions over plain data: what one event does to the incident of
 * its key. No clock (times come with the event), no I/O; incidents.service.ts loads the state,
 * calls `applyEvent` and stores what it returns.
 */

export type AlertStatus = 'firing' | 'resolved';

/** One alert (integration + dedup key) inside an incident: the unit of de-duplication. */
export interface AlertState {
  dedupKey: string;
  status: AlertStatus;
  /** Open events counted on this alert. */
  count: number;
  firstSeen: number;
  lastSeen: number;
  /** Times (ms) of its recent firing/resolved transitions, within the flapping window. */
  transitions: number[];
  flapping: boolean;
}

export interface IncidentState {
  status: IncidentStatus;
  openedAt: number;
  resolvedAt: number | null;
  alerts: AlertState[];
}

export interface EventInput {
  action: EventAction;
  dedupKey: string;
  /** When the producer's message was received (ms). */
  at: number;
}

/** The integration's incident policy, in milliseconds. */
export interface Policy {
  /** 0: a trigger after a resolve always opens a new incident. */
  reopenWindowMs: number;
  flapTransitions: number;
  flapWindowMs: number;
  flapQuietMs: number;
}

export interface Step {
  outcome: AppliedOutcome;
  /** What happened to the incident; null when nothing about it changed. */
  change: IncidentChange | null;
  /** `new`: a new incident opens; `same`: the given one changes; `none`: nothing is written. */
  target: 'new' | 'same' | 'none';
  /** The incident afterwards (for `none`, the given one unchanged). */
  next: IncidentState | null;
  /** The alert the event concerned, afterwards. */
  alert: AlertState | null;
  /** The alert joined the incident with this event. */
  newAlert: boolean;
  /** The alert began flapping with this event. */
  startedFlapping: boolean;
  reason?: string;
}

/**
 * Applies one event to the incident of its key: `current` is the open incident of the key, or the
 * most recently resolved one (for the reopen window), or null.
 */
export function applyEvent(current: IncidentState | null, event: EventInput, policy: Policy): Step {
  const open = current && current.status !== 'resolved' ? current : null;
  if (!open) return withoutOpenIncident(current, event, policy);
  if (event.action !== 'open' && event.at < open.openedAt) {
    // A late close, acknowledge or update must not touch an incident that opened after it.
    return ignored(open, 'the event is older than the incident it would change');
  }
  const alerts = open.alerts.map((a) => calmed(a, event.at, policy));
  const found = alerts.find((a) => a.dedupKey === event.dedupKey) ?? null;
  switch (event.action) {
    case 'open': {
      if (!found) {
        const alert = freshAlert(event);
        return changed('appended', 'appended', { ...open, alerts: [...alerts, alert] }, alert, {
          newAlert: true,
          reason: 'a new alert joined the incident',
        });
      }
      const refired = found.status === 'resolved';
      const alert = refired
        ? transition(
            { ...found, status: 'firing', count: found.count + 1, lastSeen: event.at },
            event.at,
            policy,
          )
        : { ...found, count: found.count + 1, lastSeen: Math.max(found.lastSeen, event.at) };
      return changed('appended', 'appended', replace(open, alerts, alert), alert, {
        startedFlapping: alert.flapping && !found.flapping,
        ...(refired ? { reason: 'the alert fired again' } : {}),
      });
    }
    case 'close': {
      if (!found) return ignored(open, `alert ${quote(event.dedupKey)} is not part of the open incident`);
      if (found.status === 'resolved')
        return ignored(open, `alert ${quote(event.dedupKey)} already resolved`);
      const alert = transition({ ...found, status: 'resolved', lastSeen: event.at }, event.at, policy);
      const next = replace(open, alerts, alert);
      const firing = next.alerts.filter((a) => a.status === 'firing').length;
      const startedFlapping = alert.flapping && !found.flapping;
      if (firing === 0) {
        return changed('closed', 'resolved', { ...next, status: 'resolved', resolvedAt: event.at }, alert, {
          startedFlapping,
        });
      }
      return changed('closed', 'updated', next, alert, {
        startedFlapping,
        reason: `${firing} of ${next.alerts.length} alerts still firing`,
      });
    }
    case 'acknowledge':
      return open.status === 'triggered'
        ? changed('acknowledged', 'acknowledged', { ...open, alerts, status: 'acknowledged' }, found)
        : { ...ignored(open, 'already acknowledged'), outcome: 'acknowledged' };
    case 'update':
      return changed('updated', 'updated', { ...open, alerts }, found);
  }
}

/** What a person does through the api, to the open incident. */
export type Intervention = 'acknowledge' | 'resolve';

export type InterventionResult =
  { ok: true; next: IncidentState; change: IncidentChange | null } | { ok: false; reason: string };

/**
 * A person's acknowledge or resolve. A resolved incident stays resolved: acknowledging it is
 * refused. Resolving resolves every alert; acknowledging twice changes nothing.
 */
export function intervene(current: IncidentState, action: Intervention, at: number): InterventionResult {
  if (current.status === 'resolved') return { ok: false, reason: 'the incident is already resolved' };
  if (action === 'acknowledge') {
    return current.status === 'acknowledged'
      ? { ok: true, next: current, change: null }
      : { ok: true, next: { ...current, status: 'acknowledged' }, change: 'acknowledged' };
  }
  return {
    ok: true,
    next: {
      ...current,
      status: 'resolved',
      resolvedAt: at,
      alerts: current.alerts.map((a) =>
        a.status === 'firing' ? { ...a, status: 'resolved', lastSeen: at } : a,
      ),
    },
    change: 'resolved',
  };
}

/** Whether an alert still flaps at `at`: it calms down after a quiet period without transitions. */
export function calmed(alert: AlertState, at: number, policy: Policy): AlertState {
  const last = alert.transitions[alert.transitions.length - 1];
  if (!alert.flapping || last === undefined || at - last < policy.flapQuietMs) return alert;
  return { ...alert, flapping: false };
}

function withoutOpenIncident(resolved: IncidentState | null, event: EventInput, policy: Policy): Step {
  if (event.action !== 'open') {
    return { ...ignored(resolved, `no open incident to ${event.action}`), next: resolved };
  }
  const reopenable =
    resolved !== null &&
    resolved.resolvedAt !== null &&
    policy.reopenWindowMs > 0 &&
    event.at - resolved.resolvedAt <= policy.reopenWindowMs &&
    event.at >= resolved.resolvedAt;
  if (reopenable) {
    const alerts = resolved.alerts.map((a) => calmed(a, event.at, policy));
    const found = alerts.find((a) => a.dedupKey === event.dedupKey);
    const alert = found
      ? transition(
          { ...found, status: 'firing', count: found.count + 1, lastSeen: event.at },
          event.at,
          policy,
        )
      : freshAlert(event);
    const next: IncidentState = { ...resolved, status: 'triggered', resolvedAt: null, alerts: [...alerts] };
    return changed(
      'opened',
      'reopened',
      found ? replace(next, alerts, alert) : { ...next, alerts: [...alerts, alert] },
      alert,
      {
        newAlert: !found,
        startedFlapping: alert.flapping && !(found?.flapping ?? false),
        reason: 'reopened within the reopen window',
      },
    );
  }
  const alert = freshAlert(event);
  return {
    outcome: 'opened',
    change: 'opened',
    target: 'new',
    next: { status: 'triggered', openedAt: event.at, resolvedAt: null, alerts: [alert] },
    alert,
    newAlert: true,
    startedFlapping: false,
  };
}

function freshAlert(event: EventInput): AlertState {
  return {
    dedupKey: event.dedupKey,
    status: 'firing',
    count: 1,
    firstSeen: event.at,
    lastSeen: event.at,
    transitions: [],
    flapping: false,
  };
}

/** Records a firing/resolved transition and says whether the alert now flaps. */
function transition(alert: AlertState, at: number, policy: Policy): AlertState {
  const transitions = [...alert.transitions.filter((t) => at - t < policy.flapWindowMs), at];
  return { ...alert, transitions, flapping: alert.flapping || transitions.length > policy.flapTransitions };
}

function replace(incident: IncidentState, alerts: AlertState[], alert: AlertState): IncidentState {
  return { ...incident, alerts: alerts.map((a) => (a.dedupKey === alert.dedupKey ? alert : a)) };
}

function changed(
  outcome: AppliedOutcome,
  change: IncidentChange,
  next: IncidentState,
  alert: AlertState | null,
  extra: { newAlert?: boolean; startedFlapping?: boolean; reason?: string } = {},
): Step {
  return {
    outcome,
    change,
    target: 'same',
    next,
    alert,
    newAlert: extra.newAlert ?? false,
    startedFlapping: extra.startedFlapping ?? false,
    ...(extra.reason ? { reason: extra.reason } : {}),
  };
}

function ignored(current: IncidentState | null, reason: string): Step {
  return {
    outcome: 'ignored',
    change: null,
    target: 'none',
    next: current,
    alert: null,
    newAlert: false,
    startedFlapping: false,
    reason,
  };
}

function quote(text: string): string {
  return JSON.stringify(text.length > 100 ? `${text.slice(0, 100)}…` : text);
}
