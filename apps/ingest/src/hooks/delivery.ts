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

/** Headers worth keeping in the inbound log. Credentials and signatures are never among them. */
export const KEPT_HEADERS = [
  'content-type',
  'user-agent',
  'x-github-event',
  'x-github-delivery',
  'x-gitlab-event',
  'x-gitlab-event-uuid',
  'x-event-key',
  'x-request-uuid',
  'x-buildkite-event',
  'idempotency-key',
  'x-grafana-alerting-version',
];

/**
 * The hook id: derived from the producer's delivery id when it sends one (so its retries are the
 * same hook and are dropped), a fresh time-ordered id otherwise.
 */
export function hookIdFor(integrationId: string, headers: IncomingHttpHeaders): string {
  for (const name of DELIVERY_ID_HEADERS) {
    const value = headers[name];
    if (typeof value === 'string' && value.length > 0 && value.length <= 200) {
      return `d-${createHash('sha256').update(`${integrationId}\n${name}\n${value}`).digest('hex').slice(0, 32)}`;
    }
  }
  return uuidv7();
}

export function keptHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const name of KEPT_HEADERS) {
    const value = headers[name];
    if (typeof value === 'string') kept[name] = value.slice(0, 500);
  }
  return kept;
}
