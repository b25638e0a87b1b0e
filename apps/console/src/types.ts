// The shapes of the public api's answers that the console reads (see README, "api").

export type IncidentStatus = 'triggered' | 'acknowledged' | 'resolved';
export type Severity = 'critical' | 'error' | 'warning' | 'info';
export const SEVERITIES: Severity[] = ['critical', 'error', 'warning', 'info'];
export const STATUSES: IncidentStatus[] = ['triggered', 'acknowledged', 'resolved'];
export const OUTCOMES = [
  'accepted',
  'opened',
  'appended',
  'closed',
  'acknowledged',
  'updated',
  'ignored',
  'filtered',
  'unmapped',
  'invalid',
  'failed',
] as const;
export type InboundOutcome = (typeof OUTCOMES)[number];

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface Incident {
  id: string;
  number: number;
  integrationId: string;
  serviceId: string | null;
  service: string | null;
  dedupKey: string;
  status: IncidentStatus;
  title: string;
  description: string | null;
  severity: Severity;
  alertCount: number;
  openedAt: string;
  acknowledgedAt: string | null;
  acknowledgedBy?: string | null;
  resolvedAt: string | null;
  resolvedBy?: string | null;
  lastEventAt: string;
}

export interface Alert {
  dedupKey: string;
  status: 'firing' | 'resolved';
  count: number;
  firstSeen: string;
  lastSeen: string;
  flapping: boolean;
}

export interface TimelineEntry {
  id: string;
  at: string;
  kind: 'event' | 'action' | 'note' | 'system';
  actor: string;
  change: string | null;
  outcome: string | null;
  dedupKey: string | null;
  hookId: string | null;
  detail: string | null;
}

export interface NormalizedEvent {
  index: number;
  outcome: InboundOutcome;
  action: string | null;
  dedupKey: string | null;
  dedupKeyFallback: boolean;
  title: string | null;
  severity: Severity | null;
  service: string | null;
  rule: string | null;
  incidentId: string | null;
  detail: string | null;
  description?: string | null;
}

export interface InboundMessage {
  id: string;
  integrationId: string;
  receivedAt: string;
  outcome: InboundOutcome;
  incidentId: string | null;
  rule: string | null;
  dedupKey: string | null;
  detail: string | null;
  headers: Record<string, string>;
  body: string;
  bodyTruncated: boolean;
  bodyLength: number;
  eventCount: number;
  events: NormalizedEvent[];
}

export interface Deploy {
  id: string;
  serviceId: string | null;
  service: string | null;
  environment: string | null;
  deployNumber: string | null;
  deployedAt: string;
  description: string;
  deployer: { email?: string; name?: string } | null;
  commit: { sha?: string; message?: string; branch?: string } | null;
  deployUrl: string | null;
  integrationId: string;
  incidentCount: number;
}

export interface SuspectDeploy extends Deploy {
  secondsBefore: number;
  reason: string;
}

export interface IncidentDetail extends Incident {
  alerts: Alert[];
  timeline: TimelineEntry[];
  inbound: InboundMessage[];
  suspectDeploys: SuspectDeploy[];
  suspectDeploysError: string | null;
}

export interface Notification {
  id: string;
  incidentId: string;
  notice: string;
  userId: string;
  channel: string;
  address: string;
  step: number | null;
  status: string;
  attempts: number;
  error: string | null;
  createdAt: string;
  sentAt: string | null;
}

export interface Integration {
  id: string;
  name: string;
  kind: 'alert' | 'deploy';
  template: string | null;
  enabled: boolean;
  url: string;
  token?: string;
  mapping: Record<string, unknown>;
  createdAt: string;
}

export interface Template {
  name: string;
  title: string;
  description: string;
  docsUrl: string;
  mapping: Record<string, unknown>;
  sample: unknown;
}

export interface DryRun {
  outcome: InboundOutcome;
  detail: string | null;
  eventCount: number;
  events: NormalizedEvent[];
}

export interface Service {
  id: string;
  name: string;
  aliases: string[];
  description: string | null;
  links: { title: string; url: string }[];
}

export interface ServiceMetrics {
  serviceId: string;
  since: string;
  until: string;
  deployCount: number;
  deploysPerDay: number;
  failedDeployCount: number;
  changeFailureRate: number | null;
  incidentCount: number;
  resolvedIncidentCount: number;
  meanTimeToRestoreSeconds: number | null;
}

export interface Suggestion {
  id: string;
  alias: string;
  deployCount: number;
  firstSeenAt: string;
  lastSeenAt: string;
  status: 'open' | 'dismissed' | 'accepted';
}

export interface Schedule {
  id: string;
  name: string;
  timeZone: string;
}

export interface Shift {
  start: string;
  end: string;
  users: { id: string; name: string; email: string }[];
}

export interface OnCall {
  scheduleId: string;
  at: string;
  shift: Shift | null;
}

export interface EscalationPolicy {
  id: string;
  name: string;
  description: string | null;
  repeat: number;
  steps: { delayMinutes: number; targets: { type: string; id: string; name: string }[] }[];
}

export interface PolicyCheck {
  policyId: string;
  from: string;
  to: string;
  ok: boolean;
  issues: { kind: string; reason: string; step?: number }[];
}

/** One event of GET /v1/incidents/stream. */
export interface StreamEvent {
  id: string;
  change: string;
  occurredAt: string;
  actor: string | null;
  detail: string | null;
  incident: Incident;
}
