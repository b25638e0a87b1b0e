import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsISO8601,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { defineMessage } from './envelope';
import { INCIDENT_CHANGES, type IncidentChange } from './names';
import {
  EVENT_ACTIONS,
  HOOK_ROUTES,
  INBOUND_OUTCOMES,
  INCIDENT_STATUSES,
  INTEGRATION_KINDS,
  SEVERITIES,
  SIGNATURE_SCHEMES,
  type EventAction,
  type HookRoute,
  type InboundOutcome,
  type IncidentStatus,
  type IntegrationKind,
  type Severity,
  type SignatureScheme,
  CONTACT_KINDS,
  NOTICE_KINDS,
  type ContactKind,
  type NoticeKind,
} from './vocabulary';

/** ingest → normalize: a producer's webhook, stored before ingest answered 202. */
export class HookReceivedV1 {
  @IsString()
  @Length(1, 100)
  hookId: string;

  @IsUUID()
  integrationId: string;

  @IsISO8601({ strict: true })
  receivedAt: string;

  @IsString()
  @MaxLength(200)
  contentType: string;

  /** The request headers worth keeping (lower-case names); never credentials. */
  @IsObject()
  headers: Record<string, string>;

  /** The body as JSON text (form-encoded `payload=` bodies arrive here already unwrapped). */
  @IsString()
  body: string;

  /** The route it came in by; absent means `hooks`. */
  @IsOptional()
  @IsIn(HOOK_ROUTES)
  route?: HookRoute;
}
export const HookReceived = defineMessage('hook.received', 1, HookReceivedV1);

/** How incident-state treats the incidents of one integration; set per integration, sent with each event. */
export class IncidentPolicyV1 {
  /** A trigger this soon after its incident resolved reopens it (0: never, a new incident opens). */
  @IsInt()
  @Min(0)
  @Max(7 * 24 * 60)
  reopenWindowMinutes: number;

  /** More than this many open/close transitions of one alert within the window: it is flapping. */
  @IsInt()
  @Min(2)
  @Max(1000)
  flapTransitions: number;

  @IsInt()
  @Min(1)
  @Max(24 * 60)
  flapWindowMinutes: number;

  /** A flapping alert calms down after this long without a transition. */
  @IsInt()
  @Min(1)
  @Max(24 * 60)
  flapQuietMinutes: number;

  /** Whether a new alert joining an open incident pages again. */
  @IsBoolean()
  pageOnNewAlert: boolean;
}

/** The policy of an integration that never set one. */
export const DEFAULT_INCIDENT_POLICY: IncidentPolicyV1 = {
  reopenWindowMinutes: 0,
  flapTransitions: 5,
  flapWindowMinutes: 30,
  flapQuietMinutes: 30,
  pageOnNewAlert: false,
};

/** normalize → incident-state: one event a mapping made of a hook. */
export class EventNormalizedV1 {
  @IsString()
  @Length(1, 100)
  hookId: string;

  /** The event's position among those the hook fanned out to (mapping `each`). */
  @IsInt()
  @Min(0)
  index: number;

  @IsUUID()
  integrationId: string;

  @IsIn(EVENT_ACTIONS)
  action: EventAction;

  @IsString()
  @Length(1, 1024)
  dedupKey: string;

  /** Gathers the alerts of several dedup keys into one incident while it is open (mapping `groupKey`). */
  @IsOptional()
  @IsString()
  @Length(1, 1024)
  groupKey?: string;

  @IsString()
  @MaxLength(1024)
  title: string;

  @IsOptional()
  @IsString()
  description?: string;

  @IsIn(SEVERITIES)
  severity: Severity;

  /** The service the mapping named (an alias deploy-tracker resolves), when it names one. */
  @IsOptional()
  @IsString()
  @MaxLength(200)
  service?: string;

  @IsISO8601({ strict: true })
  receivedAt: string;

  /** The escalation policy of the integration, for the notifier. */
  @IsOptional()
  @IsUUID()
  escalationPolicyId?: string;

  /** The integration's incident policy; absent: DEFAULT_INCIDENT_POLICY. */
  @IsOptional()
  @ValidateNested()
  @Type(() => IncidentPolicyV1)
  policy?: IncidentPolicyV1;
}
export const EventNormalized = defineMessage('event.normalized', 1, EventNormalizedV1);

/** incident-state (and normalize itself) → normalize: what became of one event of a hook. */
export class HookOutcomeV1 {
  @IsString()
  @Length(1, 100)
  hookId: string;

  @IsInt()
  @Min(0)
  index: number;

  @IsUUID()
  integrationId: string;

  @IsIn(INBOUND_OUTCOMES)
  outcome: InboundOutcome;

  @IsOptional()
  @IsUUID()
  incidentId?: string;

  @IsOptional()
  @IsString()
  @MaxLength(2000)
  detail?: string;
}
export const HookOutcome = defineMessage('hook.outcome', 1, HookOutcomeV1);

/** The most outcomes one `hook.outcomes` message carries. */
export const MAX_OUTCOMES_PER_MESSAGE = 256;

/**
 * incident-state → normalize: the outcomes of one integration's events that one transaction
 * applied, together (on `hooks.outcome.<integrationId>`, like `hook.outcome`, which normalize
 * still reads).
 */
export class HookOutcomesV1 {
  @IsUUID()
  integrationId: string;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_OUTCOMES_PER_MESSAGE)
  @ValidateNested({ each: true })
  @Type(() => HookOutcomeV1)
  outcomes: HookOutcomeV1[];
}
export const HookOutcomes = defineMessage('hook.outcomes', 1, HookOutcomesV1);

/** The outcomes a message on `hooks.outcome.*` carries: many (`hook.outcomes`) or one (`hook.outcome`). */
export function outcomesCarried(envelope: { type?: unknown; payload?: unknown }): HookOutcomeV1[] {
  if (envelope.type === HookOutcomes.type) return (envelope.payload as HookOutcomesV1).outcomes;
  return envelope.type === HookOutcome.type ? [envelope.payload as HookOutcomeV1] : [];
}

export class IncidentSnapshotV1 {
  @IsUUID()
  id: string;

  @IsInt()
  @Min(1)
  number: number;

  @IsUUID()
  integrationId: string;

  @IsString()
  @Length(1, 1024)
  dedupKey: string;

  @IsIn(INCIDENT_STATUSES)
  status: IncidentStatus;

  @IsString()
  @MaxLength(1024)
  title: string;

  @IsIn(SEVERITIES)
  severity: Severity;

  @IsInt()
  @Min(1)
  alertCount: number;

  @IsISO8601({ strict: true })
  openedAt: string;

  @IsOptional()
  @IsISO8601({ strict: true })
  acknowledgedAt?: string | null;

  @IsOptional()
  @IsISO8601({ strict: true })
  resolvedAt?: string | null;

  @IsISO8601({ strict: true })
  lastEventAt: string;

  @IsOptional()
  @IsString()
  @MaxLength(1024)
  groupKey?: string;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  service?: string | null;

  /**
   * The environment the incident concerns, when its events name one; deploy-tracker then takes only
   * the deploys of that environment (or of none) as suspects.
   */
  @IsOptional()
  @IsString()
  @MaxLength(255)
  environment?: string | null;

  @IsOptional()
  @IsString()
  description?: string | null;

  @IsOptional()
  @IsUUID()
  escalationPolicyId?: string | null;
}

/** Why a change that would page does not: a maintenance window, or a flapping alert. */
export const PAGING_HOLDS = ['maintenance', 'flapping'] as const;
export type PagingHold = (typeof PAGING_HOLDS)[number];

export class AlertSnapshotV1 {
  @IsString()
  @Length(1, 1024)
  dedupKey: string;

  @IsIn(['firing', 'resolved'])
  status: 'firing' | 'resolved';

  @IsInt()
  @Min(1)
  count: number;

  @IsBoolean()
  flapping: boolean;
}

/** incident-state → notifier, api: an incident changed. */
export class IncidentChangedV1 {
  @IsIn(INCIDENT_CHANGES)
  change: IncidentChange;

  @ValidateNested()
  @Type(() => IncidentSnapshotV1)
  incident: IncidentSnapshotV1;

  /** The hook whose event caused the change, when a producer caused it. */
  @IsOptional()
  @IsString()
  hookId?: string;

  /** Who caused it: `hook:<hookId>`, `api:<key name>` or `system`. */
  @IsOptional()
  @IsString()
  @MaxLength(200)
  actor?: string;

  /** Whether this change should page people (opened, reopened, a new alert when the policy says so). */
  @IsOptional()
  @IsBoolean()
  page?: boolean;

  /** Set when the change would page but paging is held. */
  @IsOptional()
  @IsIn(PAGING_HOLDS)
  held?: PagingHold;

  /** The alert the change concerns. */
  @IsOptional()
  @ValidateNested()
  @Type(() => AlertSnapshotV1)
  alert?: AlertSnapshotV1;

  /** A short account of the change, for people. */
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  detail?: string;
}
export const IncidentChanged = defineMessage('incident.changed', 1, IncidentChangedV1);

/** normalize → ingest (KV): what ingest needs to accept a hook for a token, keyed by the token's hash. */
export class IntegrationIndexEntryV1 {
  @IsUUID()
  integrationId: string;

  @IsIn(INTEGRATION_KINDS)
  kind: IntegrationKind;

  @IsBoolean()
  enabled: boolean;

  /** How ingest checks that a hook comes from its producer; absent: no check. */
  @IsOptional()
  @IsIn(SIGNATURE_SCHEMES)
  signatureScheme?: SignatureScheme;

  /** The shared secret of `signatureScheme` (HMAC key or token). */
  @IsOptional()
  @IsString()
  @Length(1, 500)
  signingSecret?: string;

  /** Until then, ingest keeps every header of a hook in the inbound log (credentials masked). */
  @IsOptional()
  @IsISO8601({ strict: true })
  debugUntil?: string;

  /** The integration's service: PagerDuty change events sent with its token are deploys of it. */
  @IsOptional()
  @IsUUID()
  serviceId?: string;
}

/** notifier → anyone (`notifications.<sent|failed>.<incidentId>`): a delivery reached its end. */
export class NotificationResultV1 {
  @IsUUID()
  deliveryId: string;

  @IsUUID()
  incidentId: string;

  @IsIn(NOTICE_KINDS)
  notice: NoticeKind;

  @IsUUID()
  userId: string;

  @IsIn(CONTACT_KINDS)
  channel: ContactKind;

  @IsIn(['sent', 'failed'])
  status: 'sent' | 'failed';

  @IsInt()
  @Min(1)
  attempts: number;

  @IsOptional()
  @IsString()
  @MaxLength(1000)
  error?: string;
}
export const NotificationResult = defineMessage('notification.result', 1, NotificationResultV1);
