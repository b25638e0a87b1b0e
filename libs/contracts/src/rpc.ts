import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsInt,
  IsISO8601,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import {
  EVENT_ACTIONS,
  HOOK_ROUTES,
  INBOUND_OUTCOMES,
  INTEGRATION_KINDS,
  MAX_EVENTS_PER_HOOK,
  SIGNATURE_SCHEMES,
  type AppliedOutcome,
  type EventAction,
  type HookRoute,
  type InboundOutcome,
  type IntegrationKind,
  type Severity,
  type SignatureScheme,
} from './vocabulary';
import { IncidentPolicyV1 } from './messages';

/** The reply to every request on an rpc.* subject. */
export type RpcReply<T> = { ok: true; data: T } | { ok: false; error: RpcError };

export interface RpcError {
  /** The HTTP status the api answers with. */
  status: number;
  /** A stable machine-readable code. */
  code: string;
  message: string;
  details?: string[];
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;

/**
 * For `@ValidateIf`: a field of a patch that may be left out but, when sent, must be valid; unlike
 * `@IsOptional`, `null` is checked (and refused) rather than let through to a NOT NULL column.
 */
export const present = (_o: object, value: unknown): boolean => value !== undefined;

export class PageQuery {
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{1,200}$/, { message: 'cursor is not one this api handed out' })
  cursor?: string;
}

export class IdRequest {
  @IsUUID()
  id: string;
}

/** How ingest checks a producer's signature or shared token; the secret is write-only. */
export class SigningSettings {
  @IsIn(SIGNATURE_SCHEMES)
  scheme: SignatureScheme;

  @IsString()
  @Length(1, 500)
  secret: string;
}

/**
 * Some fields of an integration's incident policy (IncidentPolicyV1, with the same bounds); the
 * fields left out keep their stored value, or DEFAULT_INCIDENT_POLICY's.
 */
export class IncidentPolicyInput {
  /** A trigger this soon after its incident resolved reopens it (0: never, a new incident opens). */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(7 * 24 * 60)
  reopenWindowMinutes?: number;

  /** More than this many open/close transitions of one alert within the window: it is flapping. */
  @IsOptional()
  @IsInt()
  @Min(2)
  @Max(1000)
  flapTransitions?: number;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(24 * 60)
  flapWindowMinutes?: number;

  /** A flapping alert calms down after this long without a transition. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(24 * 60)
  flapQuietMinutes?: number;

  /** Whether a new alert joining an open incident pages again. */
  @IsOptional()
  @IsBoolean()
  pageOnNewAlert?: boolean;
}

export class CreateIntegrationRequest {
  @IsString()
  @Length(1, 200)
  name: string;

  @IsIn(INTEGRATION_KINDS)
  kind: IntegrationKind;

  /** Prefills `mapping` (when none is given); see GET /v1/templates. */
  @IsOptional()
  @IsString()
  @Length(1, 100)
  template?: string;

  @IsOptional()
  @IsObject()
  mapping?: Record<string, unknown>;

  @IsOptional()
  @ValidateNested()
  @Type(() => SigningSettings)
  signing?: SigningSettings;

  @IsOptional()
  @IsUUID()
  escalationPolicyId?: string;

  @IsOptional()
  @IsUUID()
  serviceId?: string;

  /** How incident-state treats this integration's incidents; fields left out follow the defaults. */
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => IncidentPolicyInput)
  incidentPolicy?: IncidentPolicyInput;
}

/** The fields of an integration a PATCH may change; absent fields stay as they are. */
export class UpdateIntegrationBody {
  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string;

  @IsOptional()
  @IsObject()
  mapping?: Record<string, unknown>;

  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  /** null removes signature checking. */
  @IsOptional()
  @ValidateIf((_o, value) => value !== null)
  @ValidateNested()
  @Type(() => SigningSettings)
  signing?: SigningSettings | null;

  /** true keeps every header of incoming hooks for the next 48 hours; false stops it. */
  @IsOptional()
  @IsBoolean()
  debug?: boolean;

  @IsOptional()
  @ValidateIf((_o, value) => value !== null)
  @IsUUID()
  escalationPolicyId?: string | null;

  @IsOptional()
  @ValidateIf((_o, value) => value !== null)
  @IsUUID()
  serviceId?: string | null;

  /** The fields given replace the stored ones, the others stay as they are; null: all back to the defaults. */
  @IsOptional()
  @ValidateIf((_o, value) => value !== null)
  @IsObject()
  @ValidateNested()
  @Type(() => IncidentPolicyInput)
  incidentPolicy?: IncidentPolicyInput | null;
}

export class UpdateIntegrationRequest extends UpdateIntegrationBody {
  @IsUUID()
  id: string;
}

/** A payload to try against an integration's mapping (or a draft of one); nothing is stored. */
export class TestIntegrationBody {
  @IsDefined({ message: 'payload is required: the JSON a producer would send' })
  payload: unknown;

  /** Headers the producer would send (lower-case names); kept only in the answer. */
  @IsOptional()
  @IsObject()
  headers?: Record<string, string>;

  /** A draft mapping to try instead of the saved one. */
  @IsOptional()
  @IsObject()
  mapping?: Record<string, unknown>;

  /** The ingest route to simulate; `pagerduty` is POST /v2/enqueue. */
  @IsOptional()
  @IsIn(HOOK_ROUTES)
  route?: HookRoute;
}

export class TestIntegrationRequest extends TestIntegrationBody {
  @IsUUID()
  id: string;
}

export class ListInboundQuery extends PageQuery {
  @IsOptional()
  @IsIn(INBOUND_OUTCOMES)
  outcome?: InboundOutcome;
}

export class ListInboundRequest extends ListInboundQuery {
  /** The integration. */
  @IsUUID()
  id: string;
}

/** The inbound messages that touched one incident, newest first. */
export class InboundForIncidentRequest {
  @IsUUID()
  integrationId: string;

  @IsUUID()
  incidentId: string;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;
}

export class GetInboundRequest {
  @IsUUID()
  integrationId: string;

  @IsString()
  @Length(1, 100)
  hookId: string;
}

export class PreviewEvent {
  @IsInt()
  @Min(0)
  index: number;

  @IsIn(EVENT_ACTIONS)
  action: EventAction;

  @IsString()
  @Length(1, 1024)
  dedupKey: string;

  @IsOptional()
  @IsString()
  @Length(1, 1024)
  groupKey?: string;

  @IsISO8601({ strict: true })
  receivedAt: string;
}

export class PreviewEventsRequest {
  @IsUUID()
  integrationId: string;

  @IsArray()
  @ArrayMaxSize(MAX_EVENTS_PER_HOOK)
  @ValidateNested({ each: true })
  @Type(() => PreviewEvent)
  events: PreviewEvent[];

  @IsOptional()
  @ValidateNested()
  @Type(() => IncidentPolicyV1)
  policy?: IncidentPolicyV1;
}

export interface PreviewOutcome {
  index: number;
  outcome: AppliedOutcome;
  incidentId: string | null;
  detail: string | null;
}

export interface IntegrationView {
  id: string;
  name: string;
  kind: IntegrationKind;
  template: string | null;
  enabled: boolean;
  url: string;
  /** Present only in the reply that created or rotated it. */
  token?: string;
  mapping: Record<string, unknown>;
  /** The signature scheme ingest checks; the secret is never shown. */
  signing: { scheme: SignatureScheme } | null;
  /** While set and in the future, the inbound log keeps every header. */
  debugUntil: string | null;
  escalationPolicyId: string | null;
  serviceId: string | null;
  /** The policy in effect: the fields the integration set, DEFAULT_INCIDENT_POLICY's for the rest. */
  incidentPolicy: IncidentPolicyV1;
  createdAt: string;
  updatedAt: string;
}

/** One event (or element of `each`) of an inbound message, in the log and in a dry run. */
export interface NormalizedEventView {
  index: number;
  outcome: InboundOutcome;
  action: EventAction | null;
  dedupKey: string | null;
  /** True when the payload named no key and the key is a hash of integration and title. */
  dedupKeyFallback: boolean;
  title: string | null;
  severity: Severity | null;
  service: string | null;
  rule: string | null;
  incidentId: string | null;
  detail: string | null;
}

export interface InboundMessageView {
  id: string;
  integrationId: string;
  receivedAt: string;
  outcome: InboundOutcome;
  incidentId: string | null;
  rule: string | null;
  dedupKey: string | null;
  detail: string | null;
  headers: Record<string, string>;
  /** The body as received; cut short in lists, and where an answer must fit one NATS message. */
  body: string;
  bodyTruncated: boolean;
  /** Characters in the whole body. */
  bodyLength: number;
  /** How many events the message fanned out to. */
  eventCount: number;
  /** The events, in order: in lists the first 20, in one message the first 1,000 that fit. */
  events: NormalizedEventView[];
}

/** What a payload would do, as the inbound log would show it; nothing stored. */
export interface DryRunView {
  outcome: InboundOutcome;
  detail: string | null;
  eventCount: number;
  /** The first 100 events, each description cut to 2,000 characters. */
  events: (NormalizedEventView & { description: string | null })[];
}
