/**
 * Whether a generic webhook body plainly reports a recovery, read from top-level fields only:
 *
 * - `status` is `resolved` (Alertmanager, and Grafana's alerting webhook, when every alert of the
 *   notification is resolved) or `ok`/`recovered`;
 * - `state` is `ok` or `resolved` (Grafana legacy alerting, and tools of the same shape);
 * - `event_action` is `resolve` (PagerDuty-style events sent to a generic hook).
 *
 * Conservative on purpose: anything else (a mixed notification, a nested marker, a body that is
 * not a JSON object) is not a recovery, so that a flood cannot slip past the limits by accident.
 */
export function looksLikeRecovery(body: string): boolean {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return false;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return false;
  const fields = parsed as Record<string, unknown>;
  return (
    is(fields['status'], RECOVERED_STATUSES) ||
    is(fields['state'], RECOVERED_STATES) ||
    is(fields['event_action'], RECOVERY_ACTIONS)
  );
}

const RECOVERED_STATUSES = new Set(['resolved', 'ok', 'recovered']);
const RECOVERED_STATES = new Set(['ok', 'resolved']);
const RECOVERY_ACTIONS = new Set(['resolve']);

function is(value: unknown, markers: Set<string>): boolean {
  return typeof value === 'string' && markers.has(value.trim().toLowerCase());
}
