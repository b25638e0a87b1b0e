import {
  DEFAULT_INCIDENT_POLICY,
  EventNormalized,
  eventPartition,
  HEADERS,
  SEVERITIES,
  SUBJECTS,
  type EventAction,
  type EventNormalizedV1,
  type Severity,
} from '@tocsin/contracts';
import { uuidv7 } from '@tocsin/messaging';
import type { Outgoing } from '../lib/publish';

/** A small seeded pseudo-random generator (mulberry32), so a seed always gives the same workload. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A version 4 UUID drawn from the seeded generator. */
function seededUuid(random: () => number): string {
  const bytes = Buffer.from(Array.from({ length: 16 }, () => Math.floor(random() * 256)));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** One incident key: an alert of one integration. */
export interface Key {
  integrationId: string;
  dedupKey: string;
  service: string;
  severity: Severity;
  /** The stream subject its events go to (the project's partitioning). */
  subject: string;
}

export interface PlannedEvent {
  key: number;
  action: EventAction;
  hookId: string;
  /** Position of the event among its key's events. */
  step: number;
}

export interface Workload {
  keys: Key[];
  events: PlannedEvent[];
  /** How many events of each action the workload holds. */
  actions: Record<EventAction, number>;
}

/**
 * What an alert source sends about one alert, over and over: it fires, keeps firing (appended),
 * now and then someone acknowledges it or its text changes, it resolves (sometimes twice), and
 * later fires again. Cut to `count` events.
 */
function lifecycle(count: number, random: () => number): EventAction[] {
  const actions: EventAction[] = [];
  while (actions.length < count) {
    actions.push('open');
    const repeats = Math.floor(random() * 5);
    for (let i = 0; i < repeats; i += 1) actions.push('open');
    if (random() < 0.3) actions.push('update');
    if (random() < 0.3) actions.push('acknowledge');
    if (random() < 0.2) actions.push('open');
    actions.push('close');
    if (random() < 0.1) actions.push('close');
  }
  return actions.slice(0, count);
}

/**
 * `events` events over `keyCount` keys spread over `integrations` integrations, each key with its
 * own lifecycle, interleaved in a uniformly random order (every key's events keep their order).
 * The same seed gives the same integrations, keys, actions and order; hook ids are fresh.
 */
export function buildWorkload(
  events: number,
  keyCount: number,
  integrations: number,
  seed: number,
): Workload {
  const random = seededRandom(seed);
  const integrationIds = Array.from({ length: Math.min(integrations, keyCount) }, () => seededUuid(random));
  const keys: Key[] = Array.from({ length: keyCount }, (_, k) => {
    const integrationId = integrationIds[k % integrationIds.length];
    const dedupKey = `bench-alert-${Math.floor(k / integrationIds.length)}`;
    return {
      integrationId,
      dedupKey,
      service: `service-${k % 37}`,
      severity: SEVERITIES[Math.floor(random() * SEVERITIES.length)],
      subject: SUBJECTS.eventNormalized(integrationId, eventPartition(integrationId, dedupKey)),
    };
  });

  const plans = keys.map((_, k) =>
    lifecycle(Math.floor(events / keyCount) + (k < events % keyCount ? 1 : 0), random),
  );
  // One slot per event holding its key, shuffled: a uniformly random interleaving of the keys.
  const order = new Uint32Array(events);
  let filled = 0;
  plans.forEach((plan, k) => {
    order.fill(k, filled, filled + plan.length);
    filled += plan.length;
  });
  for (let i = order.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }

  const taken = new Uint32Array(keyCount);
  const actions: Record<EventAction, number> = { open: 0, close: 0, acknowledge: 0, update: 0 };
  const planned: PlannedEvent[] = Array.from(order, (k) => {
    const step = taken[k];
    taken[k] += 1;
    const action = plans[k][step];
    actions[action] += 1;
    return { key: k, action, hookId: uuidv7(), step };
  });
  return { keys, events: planned, actions };
}

const DESCRIPTION =
  'Check failed on the production cluster: the probe did not answer within 10 s from 3 of 3 locations. ' +
  'Runbook: https://runbooks.example.com/alerts/probe-timeout';

/**
 * Event i as normalize publishes it: an `event.normalized` v1 payload (with the integration's
 * incident policy, here the default one) on the key's partition subject, message id
 * `<hookId>:<index>`, with the hook id and ordering key headers.
 */
export function outgoing(workload: Workload, i: number): Outgoing<EventNormalizedV1> {
  const event = workload.events[i];
  const key = workload.keys[event.key];
  const now = new Date();
  const payload: EventNormalizedV1 = {
    hookId: event.hookId,
    index: 0,
    integrationId: key.integrationId,
    action: event.action,
    dedupKey: key.dedupKey,
    title:
      event.action === 'update'
        ? `${key.service}: ${key.dedupKey} (updated at step ${event.step})`
        : `${key.service}: ${key.dedupKey} is failing`,
    ...(event.action === 'open' ? { description: DESCRIPTION } : {}),
    severity: key.severity,
    service: key.service,
    receivedAt: now.toISOString(),
    policy: { ...DEFAULT_INCIDENT_POLICY },
  };
  return {
    subject: key.subject,
    payload,
    options: {
      messageId: `${event.hookId}:0`,
      occurredAt: now,
      headers: { [HEADERS.hookId]: event.hookId },
    },
  };
}

export const EVENT_TYPE = EventNormalized;
