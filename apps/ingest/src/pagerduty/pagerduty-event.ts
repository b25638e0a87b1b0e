/*
 * PagerDuty Events API v2 alert events (POST /v2/enqueue), checked the way PagerDuty documents
 * them (developer.pagerduty.com "Send an Alert Event"), with PagerDuty's response bodies, so that
 * a tool configured for PagerDuty works unchanged when pointed at Tocsin.
 */

export const PAGERDUTY_EVENT_ACTIONS = ['trigger', 'acknowledge', 'resolve'] as const;
export type PagerDutyEventAction = (typeof PAGERDUTY_EVENT_ACTIONS)[number];

export const PAGERDUTY_SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;

/** The longest values PagerDuty permits. */
export const PAGERDUTY_LIMITS = { dedupKey: 255, summary: 1024, source: 255 } as const;

/** What the published body carries instead of the routing key (the integration's token). */
export const REDACTED_ROUTING_KEY = '[redacted]';

/** PagerDuty's body for an event it did not take. */
export interface PagerDutyErrorBody {
  status: string;
  message: string;
  errors?: string[];
  /** On a 429: the limit that refused the event. */
  limit?: { bucket: string; rate: number; burst: number };
}

/** PagerDuty's body for an event it took. */
export interface PagerDutySuccessBody {
  status: 'success';
  message: 'Event processed';
  dedup_key: string;
}

export type PagerDutyEventResult =
  | {
      ok: true;
      routingKey: string;
      eventAction: PagerDutyEventAction;
      dedupKey: string;
      /** The event as JSON text, as it is stored: dedup key filled in, routing key redacted. */
      body: string;
    }
  | { ok: false; status: 400 | 415; body: PagerDutyErrorBody };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** PagerDuty's wording for a body that is not a JSON object. */
export function unrecognizedObject(reason: string): PagerDutyErrorBody {
  return {
    status: 'Unrecognized object',
    message: 'Event object format is unrecognized',
    errors: [`JSON parse error: ${reason}`],
  };
}

/** A 429 in PagerDuty's shape, naming the limit that refused the event. */
export function throttled(
  reason: string,
  limit: { bucket: string; rate: number; burst: number },
): PagerDutyErrorBody {
  return { status: 'throttle event', message: 'Requests are arriving too quickly', errors: [reason], limit };
}

/** PagerDuty's wording for an event that breaks its rules. */
export function invalidEvent(errors: string[]): PagerDutyErrorBody {
  return { status: 'invalid event', message: 'Event object is invalid', errors };
}

/**
 * Reads and checks one alert event. A trigger without a dedup key gets one from `newDedupKey`
 * (PagerDuty makes one too and answers it); the key is written into the stored body so that the
 * mapping downstream keys the incident on it. The routing key is the integration's token: it is
 * returned for the lookup and never stored.
 */
export function parsePagerDutyEvent(
  contentTypeHeader: string | undefined,
  raw: Buffer | undefined,
  newDedupKey: () => string,
  /** `X-Routing-Key`: older PagerDuty clients (pdpyras) send the key there instead of the body. */
  routingKeyHeader?: string,
): PagerDutyEventResult {
  const read = readEventObject(contentTypeHeader, raw);
  if (!read.ok) return read;
  const parsed = read.event;

  if (blank(parsed['routing_key']) && routingKeyHeader) parsed['routing_key'] = routingKeyHeader;
  const errors = validate(parsed);
  if (errors.length > 0) return { ok: false, status: 400, body: invalidEvent(errors) };

  const eventAction = parsed['event_action'] as PagerDutyEventAction;
  const given = parsed['dedup_key'];
  const dedupKey = typeof given === 'string' && given.trim() !== '' ? given : newDedupKey();
  const stored = { ...parsed, routing_key: REDACTED_ROUTING_KEY, dedup_key: dedupKey };
  return {
    ok: true,
    routingKey: parsed['routing_key'] as string,
    eventAction,
    dedupKey,
    body: JSON.stringify(stored),
  };
}

/** The body as a JSON object, or PagerDuty's answer for a body that is not one (415, 400). */
export function readEventObject(
  contentTypeHeader: string | undefined,
  raw: Buffer | undefined,
): { ok: true; event: Record<string, unknown> } | { ok: false; status: 400 | 415; body: PagerDutyErrorBody } {
  const contentType = (contentTypeHeader ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (!(
    contentType === 'application/json' ||
    contentType.endsWith('+json') ||
    contentType === 'text/plain' ||
    contentType === ''
  )) {
    return {
      ok: false,
      status: 415,
      body: {
        status: 'Unsupported media type',
        message: `content type "${contentType.slice(0, 100)}" cannot be read; send application/json`,
      },
    };
  }
  if (!raw || raw.length === 0)
    return { ok: false, status: 400, body: unrecognizedObject('the body is empty') };
  let parsed: unknown;
  try {
    parsed = JSON.parse(utf8.decode(raw));
  } catch (error) {
    const reason = error instanceof SyntaxError ? error.message.slice(0, 300) : 'the body is not valid UTF-8';
    return { ok: false, status: 400, body: unrecognizedObject(reason) };
  }
  if (!isObject(parsed)) {
    return { ok: false, status: 400, body: unrecognizedObject('the event must be a JSON object') };
  }
  return { ok: true, event: parsed };
}

/** Every rule the event breaks, in PagerDuty's words where its documentation gives them. */
export function validate(event: Record<string, unknown>): string[] {
  const errors: string[] = [];
  requiredString(event, 'routing_key', 'routing_key', Infinity, errors);

  const action = event['event_action'];
  if (blank(action)) errors.push(`'event_action' is missing or blank`);
  else if (!(PAGERDUTY_EVENT_ACTIONS as readonly unknown[]).includes(action)) {
    errors.push(`'event_action' is invalid (must be one of: ${PAGERDUTY_EVENT_ACTIONS.join(', ')})`);
  }

  const dedupKey = event['dedup_key'];
  if (action === 'acknowledge' || action === 'resolve') {
    requiredString(event, 'dedup_key', 'dedup_key', PAGERDUTY_LIMITS.dedupKey, errors);
  } else if (dedupKey !== undefined && dedupKey !== null) {
    optionalString(dedupKey, 'dedup_key', PAGERDUTY_LIMITS.dedupKey, errors);
  }

  // The payload and the context fields count for triggers only; PagerDuty ignores them otherwise.
  if (action !== 'trigger') return errors;
  const payload = event['payload'];
  if (payload !== undefined && payload !== null && !isObject(payload)) {
    errors.push(`'payload' is invalid (must be an object)`);
    return errors;
  }
  const p = isObject(payload) ? payload : {};
  requiredString(p, 'summary', 'payload.summary', PAGERDUTY_LIMITS.summary, errors);
  requiredString(p, 'source', 'payload.source', PAGERDUTY_LIMITS.source, errors);
  const severity = p['severity'];
  if (blank(severity)) errors.push(`'payload.severity' is missing or blank`);
  else if (!(PAGERDUTY_SEVERITIES as readonly unknown[]).includes(severity)) {
    errors.push(`'payload.severity' is invalid (must be one of: ${PAGERDUTY_SEVERITIES.join(', ')})`);
  }
  const timestamp = p['timestamp'];
  if (timestamp !== undefined && timestamp !== null && !isIsoTimestamp(timestamp)) {
    errors.push(`'payload.timestamp' is invalid (must be an ISO 8601 date and time)`);
  }
  for (const field of ['component', 'group', 'class']) {
    optionalString(p[field], `payload.${field}`, Infinity, errors);
  }
  for (const field of ['client', 'client_url']) optionalString(event[field], field, Infinity, errors);
  contextList(event['images'], 'images', 'src', ['href', 'alt'], errors);
  contextList(event['links'], 'links', 'href', ['text'], errors);
  return errors;
}

export function requiredString(
  holder: Record<string, unknown>,
  key: string,
  label: string,
  max: number,
  errors: string[],
): void {
  const value = holder[key];
  if (blank(value)) errors.push(`'${label}' is missing or blank`);
  else optionalString(value, label, max, errors);
}

export function optionalString(value: unknown, label: string, max: number, errors: string[]): void {
  if (value === undefined || value === null) return;
  if (typeof value !== 'string') errors.push(`'${label}' is invalid (must be a string)`);
  else if (value.length > max) errors.push(`'${label}' is too long (maximum is ${max} characters)`);
}

export function contextList(
  value: unknown,
  label: string,
  required: string,
  optional: string[],
  errors: string[],
): void {
  if (value === undefined || value === null) return;
  if (!Array.isArray(value)) {
    errors.push(`'${label}' is invalid (must be an array of objects)`);
    return;
  }
  value.forEach((item: unknown, i) => {
    if (!isObject(item)) {
      errors.push(`'${label}[${i}]' is invalid (must be an object)`);
      return;
    }
    requiredString(item, required, `${label}[${i}].${required}`, Infinity, errors);
    for (const key of optional) optionalString(item[key], `${label}[${i}].${key}`, Infinity, errors);
  });
}

export function blank(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** ISO 8601 date and time, with PagerDuty's own example form ("…58.315+0000") among them. */
const ISO_TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d{1,9})?)?(Z|[+-]\d{2}(?::?\d{2})?)$/;

export function isIsoTimestamp(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const m = ISO_TIMESTAMP.exec(value);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map((part) => Number(part ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const date = new Date(Date.UTC(year, month - 1, day));
  return (
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59
  );
}
