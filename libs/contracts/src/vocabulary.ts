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
