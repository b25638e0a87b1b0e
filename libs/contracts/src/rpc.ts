import { Transform } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  Min,
} from 'class-validator';
import {
  INCIDENT_STATUSES,
  INTEGRATION_KINDS,
  type InboundOutcome,
  type IncidentStatus,
  type IntegrationKind,
  type Severity,
} from './vocabulary';

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

export class CreateIntegrationRequest {
  @IsString()
  @Length(1, 200)
  name: string;

  @IsIn(INTEGRATION_KINDS)
  kind: IntegrationKind;

  @IsOptional()
  @IsString()
  @Length(1, 100)
  template?: string;

  @IsOptional()
  @IsObject()
  mapping?: Record<string, unknown>;
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
  escalationPolicyId: string | null;
  serviceId: string | null;
  createdAt: string;
}

export class ListIncidentsRequest extends PageQuery {
  @IsOptional()
  @IsIn(INCIDENT_STATUSES)
  status?: IncidentStatus;

  @IsOptional()
  @IsUUID()
  integrationId?: string;
}

export interface IncidentView {
  id: string;
  number: number;
  integrationId: string;
  serviceId: string | null;
  dedupKey: string;
  status: IncidentStatus;
  title: string;
  description: string | null;
  severity: Severity;
  alertCount: number;
  openedAt: string;
  acknowledgedAt: string | null;
  resolvedAt: string | null;
  lastEventAt: string;
  suspectDeploys: unknown[];
}

export interface InboundMessageView {
  id: string;
  integrationId: string;
  receivedAt: string;
  outcome: InboundOutcome;
  incidentId: string | null;
  detail: string | null;
  headers: Record<string, string>;
  body: string;
}
