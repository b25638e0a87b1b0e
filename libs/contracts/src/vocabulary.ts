/** What a mapping rule decides for one event. */
export const EVENT_ACTIONS = ['open', 'close', 'acknowledge', 'update'] as const;
export type EventAction = (typeof EVENT_ACTIONS)[number];

export const INCIDENT_STATUSES = ['triggered', 'acknowledged', 'resolved'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

export const SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const INTEGRATION_KINDS = ['alert', 'deploy'] as const;
export type IntegrationKind = (typeof INTEGRATION_KINDS)[number];

/** Outcomes that incident-state reports for an applied event. */
export const APPLIED_OUTCOMES = [
  'opened',
  'appended',
  'closed',
  'acknowledged',
  'updated',
  'ignored',
] as const;

/** The fate of one inbound message, as the inbound log shows it. */
export const INBOUND_OUTCOMES = [
  'accepted',
  ...APPLIED_OUTCOMES,
  'filtered',
  'unmapped',
  'invalid',
  'failed',
] as const;
export type InboundOutcome = (typeof INBOUND_OUTCOMES)[number];
export type AppliedOutcome = (typeof APPLIED_OUTCOMES)[number];

/**
 * How a producer proves a webhook is its own. `github` and `bitbucket` sign the body with
 * HMAC-SHA256 (X-Hub-Signature-256, X-Hub-Signature), `buildkite` signs timestamp and body
 * (X-Buildkite-Signature); `buildkite-token` and `gitlab-token` send a shared token
 * (X-Buildkite-Token, X-Gitlab-Token).
 */
export const SIGNATURE_SCHEMES = [
  'github',
  'bitbucket',
  'buildkite',
  'buildkite-token',
  'gitlab-token',
] as const;
export type SignatureScheme = (typeof SIGNATURE_SCHEMES)[number];

/** The ingest route a hook came in by: `hooks` (POST /hooks/{token}) or `pagerduty` (POST /v2/enqueue). */
export const HOOK_ROUTES = ['hooks', 'pagerduty'] as const;
export type HookRoute = (typeof HOOK_ROUTES)[number];

/** The most events one inbound message may fan out to (mapping `each`). */
export const MAX_EVENTS_PER_HOOK = 1000;

/**
 * The request headers ingest keeps with every hook (all of them only while an integration is being
 * debugged), and the only ones a mapping reads with `$headers.<name>`. Credentials and signatures are
 * never among them.
 */
export const KEPT_HEADERS = [
  'content-type',
  'user-agent',
  'x-github-event',
  'x-github-delivery',
  'x-github-hook-id',
  'x-gitlab-event',
  'x-gitlab-event-uuid',
  'x-gitlab-instance',
  'x-event-key',
  'x-request-uuid',
  'x-hook-uuid',
  'x-attempt-number',
  'x-buildkite-event',
  'circleci-event-type',
  'idempotency-key',
  'x-grafana-alerting-version',
] as const;

/** The ways a person can be reached. */
export const CONTACT_KINDS = ['email', 'sms', 'voice', 'push', 'webhook', 'slack'] as const;
export type ContactKind = (typeof CONTACT_KINDS)[number];

/** What a delivery is for: a page, or a notice that an incident was acknowledged or resolved. */
export const NOTICE_KINDS = ['page', 'acknowledged', 'resolved'] as const;
export type NoticeKind = (typeof NOTICE_KINDS)[number];
