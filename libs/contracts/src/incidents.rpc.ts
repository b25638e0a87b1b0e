import { Transform } from 'class-transformer';
import { IsIn, IsISO8601, IsOptional, IsString, IsUUID, Length, MaxLength } from 'class-validator';
import type { IncidentChange } from './names';
import { PageQuery } from './rpc';
import { INCIDENT_STATUSES, type IncidentStatus, type Severity } from './vocabulary';

const trimmed = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? value.trim() : value;

export class ListIncidentsRequest extends PageQuery {
  @IsOptional()
  @IsIn(INCIDENT_STATUSES)
  status?: IncidentStatus;

  @IsOptional()
  @IsUUID()
  integrationId?: string;

  /** The service the incident's events named. */
  @IsOptional()
  @IsString()
  @Length(1, 200)
  service?: string;

  /** Opened at or after. */
  @IsOptional()
  @IsISO8601({ strict: true })
  since?: string;

  /** Opened before. */
  @IsOptional()
  @IsISO8601({ strict: true })
  until?: string;
}

/** Where a person's action on an incident came from. */
export const ACTION_SOURCES = ['api', 'link', 'sms'] as const;
export type ActionSource = (typeof ACTION_SOURCES)[number];

/**
 * Who acts on an incident: the name of their api key, or for a link or an SMS reply from a page,
 * the name of the person paged. Timelines show `<via>:<actor>`.
 */
export class IncidentActionRequest {
  @IsUUID()
  id: string;

  @IsString()
  @Length(1, 200)
  actor: string;

  @IsOptional()
  @IsIn(ACTION_SOURCES)
  via?: ActionSource;
}

export class NoteBody {
  @Transform(trimmed)
  @IsString()
  @Length(1, 10_000)
  text: string;
}

export class AddNoteRequest extends IncidentActionRequest {
  @Transform(trimmed)
  @IsString()
  @Length(1, 10_000)
  text: string;
}

export class TimelineQuery extends PageQuery {}

export class TimelineRequest extends TimelineQuery {
  @IsUUID()
  id: string;
}

export interface AlertView {
  dedupKey: string;
  status: 'firing' | 'resolved';
  count: number;
  firstSeen: string;
  lastSeen: string;
  flapping: boolean;
}

export interface TimelineEntryView {
  id: string;
  at: string;
  kind: 'event' | 'action' | 'note' | 'system';
  /** `hook:<hookId>`, `api:<key name>` or `system`. */
  actor: string;
  change: IncidentChange | null;
  outcome: string | null;
  dedupKey: string | null;
  hookId: string | null;
  detail: string | null;
}

export interface IncidentView {
  id: string;
  number: number;
  integrationId: string;
  serviceId: string | null;
  service: string | null;
  dedupKey: string;
  groupKey: string;
  status: IncidentStatus;
  title: string;
  description: string | null;
  severity: Severity;
  alertCount: number;
  openedAt: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  resolvedAt: string | null;
  resolvedBy: string | null;
  reopenCount: number;
  lastEventAt: string;
  suspectDeploys: unknown[];
}

/** One incident with what it is made of: its alerts and the latest of its timeline. */
export interface IncidentDetailView extends IncidentView {
  alerts: AlertView[];
  timeline: TimelineEntryView[];
}

export class MaintenanceWindowBody {
  @IsOptional()
  @IsUUID()
  integrationId?: string;

  @IsOptional()
  @IsString()
  @Length(1, 200)
  service?: string;

  @IsISO8601({ strict: true })
  startsAt: string;

  @IsISO8601({ strict: true })
  endsAt: string;

  @IsOptional()
  @IsString()
  @MaxLength(1000)
  reason?: string;
}

export class CreateMaintenanceWindowRequest extends MaintenanceWindowBody {
  @IsString()
  @Length(1, 200)
  actor: string;
}

export class ListMaintenanceWindowsRequest extends PageQuery {
  @IsOptional()
  @IsUUID()
  integrationId?: string;

  /** Only windows that have not ended. */
  @IsOptional()
  @IsIn(['true', 'false'])
  current?: 'true' | 'false';
}

export interface MaintenanceWindowView {
  id: string;
  integrationId: string | null;
  service: string | null;
  startsAt: string;
  endsAt: string;
  reason: string | null;
  createdBy: string;
  createdAt: string;
  ended: boolean;
}
