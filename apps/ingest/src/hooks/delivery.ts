import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { uuidv7 } from '@tocsin/messaging';

/** Headers producers use to name a delivery; a retry carries the same value. */
export const DELIVERY_ID_HEADERS = [
  'x-github-delivery',
  'x-request-uuid',
  'idempotency-key',
  'x-gitlab-event-uuid',
];

/**
 * CircleCI names a delivery in the body: with this header present, the body's top-level `id` is
 * the event id that CircleCI documents for de-duplication. Without it a top-level `id` is never a
 * delivery id (generic alerts reuse `id` as the alert key for firing and resolved alike).
 */
export const CIRCLECI_EVENT_TYPE_HEADER = 'circleci-event-type';

const MAX_DELIVERY_ID = 200;

export interface DeliveryId {
  /** Where the id came from: a header name, or `circleci-event-type` + the body's `id`. */
  source: string;
  value: string;
}

/** The producer's name for this delivery, when it gives one. */
export function deliveryIdOf(headers: IncomingHttpHeaders, body: string): DeliveryId | undefined {
  for (const name of DELIVERY_ID_HEADERS) {
    const value = headers[name];
    if (usable(value)) return { source: name, value };
  }
  if (typeof headers[CIRCLECI_EVENT_TYPE_HEADER] === 'string') {
    const id = topLevelId(body);
    if (usable(id)) return { source: 'circleci-event-id', value: id };
  }
  return undefined;
}

/**
 * The hook id: derived from the producer's delivery id when it sends one (so its retries are the
 * same hook and the stream drops them), a fresh time-ordered id otherwise.
 */
export function hookIdFor(integrationId: string, headers: IncomingHttpHeaders, body: string): string {
  const delivery = deliveryIdOf(headers, body);
  if (!delivery) return uuidv7();
  const digest = createHash('sha256')
    .update(`${integrationId}\n${delivery.source}\n${delivery.value}`)
    .digest('hex');
  return `d-${digest.slice(0, 32)}`;
}

function usable(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_DELIVERY_ID;
}

function topLevelId(body: string): unknown {
  try {
    const parsed: unknown = JSON.parse(body);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)['id']
      : undefined;
  } catch {
    return undefined;
  }
}
