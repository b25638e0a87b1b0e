import type { EventAction, Severity } from '@tocsin/contracts';
import { SEVERITIES } from '@tocsin/contracts';

/** What a mapping makes of one payload (or one element of it). */
export type MappingResult =
  | {
      kind: 'event';
      action: EventAction;
      /** Null when the payload names no key: the caller falls back to a stable hash. */
      dedupKey: string | null;
      title: string;
      description: string | null;
      severity: Severity;
      /** Which rule decided, for the inbound log. */
      rule: string;
    }
  | { kind: 'ignored'; rule: string }
  | { kind: 'unmapped'; detail: string };

const OPEN = [
  'trigger',
  'triggered',
  'firing',
  'open',
  'problem',
  'alert',
  'down',
  'critical',
  'error',
  'failed',
  'failure',
];
const CLOSE = ['resolve', 'resolved', 'ok', 'closed', 'recovered', 'up', 'success', 'passed'];
const ACK = ['acknowledge', 'acknowledged', 'ack'];

const ACTION_FIELDS = ['event_action', 'status', 'state'] as const;
const KEY_FIELDS = ['dedup_key', 'id', 'alias', 'fingerprint'] as const;
const TITLE_FIELDS = ['title', 'summary', 'message'] as const;

const MAX_TITLE = 1024;

function scalar(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return null;
}

function own(payload: Record<string, unknown>, field: string): unknown {
  return Object.prototype.hasOwnProperty.call(payload, field) ? payload[field] : undefined;
}

/**
 * The `generic` mapping of DESIGN.md section 4: the action from the first of `event_action`,
 * `status`, `state` present; the dedup key from `dedup_key`, `id`, `alias`, `fingerprint`; the title
 * from `title`, `summary`, `message`.
 */
export function mapGeneric(payload: unknown): MappingResult {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    return { kind: 'unmapped', detail: 'the payload is not a JSON object' };
  }
  const body = payload as Record<string, unknown>;
  const actionField = ACTION_FIELDS.find((f) => scalar(own(body, f)) !== null);
  if (!actionField) return { kind: 'unmapped', detail: `none of ${ACTION_FIELDS.join(', ')} is present` };
  const value = (scalar(own(body, actionField)) as string).trim().toLowerCase();
  const action: EventAction | null = OPEN.includes(value)
    ? 'open'
    : CLOSE.includes(value)
      ? 'close'
      : ACK.includes(value)
        ? 'acknowledge'
        : null;
  if (!action)
    return {
      kind: 'unmapped',
      detail: `${actionField} "${value.slice(0, 100)}" opens, closes or acknowledges nothing`,
    };

  const keyField = KEY_FIELDS.find((f) => scalar(own(body, f)) !== null);
  const titleField = TITLE_FIELDS.find((f) => scalar(own(body, f)) !== null);
  const title = (titleField ? (scalar(own(body, titleField)) as string) : 'Untitled alert').slice(
    0,
    MAX_TITLE,
  );
  const severityValue = scalar(own(body, 'severity'))?.toLowerCase();
  const severity: Severity = (SEVERITIES as readonly string[]).includes(severityValue ?? '')
    ? (severityValue as Severity)
    : 'error';
  return {
    kind: 'event',
    action,
    dedupKey: keyField ? scalar(own(body, keyField)) : null,
    title,
    description: null,
    severity,
    rule: `generic:${actionField}`,
  };
}
