import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsISO8601,
  IsOptional,
  IsString,
  IsUrl,
  IsUUID,
  Length,
  Matches,
  MaxLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { DEPLOY_LIMITS, type DeploySource } from './deploys';
import { PageQuery } from './rpc';
import type { IncidentStatus } from './vocabulary';

const trimmed = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? value.trim() : value;

const trimmedList = ({ value }: { value: unknown }): unknown =>
  Array.isArray(value) ? value.map((v: unknown) => (typeof v === 'string' ? v.trim() : v)) : value;

/** The most aliases one service may have. */
export const MAX_SERVICE_ALIASES = 50;

/** A link shown with a service: a runbook, a dashboard, the repository. */
export class ServiceLink {
  @Transform(trimmed)
  @IsString()
  @Length(1, 200)
  title: string;

  @IsString()
  @MaxLength(DEPLOY_LIMITS.url)
  @IsUrl(
    { require_tld: false, require_protocol: true, protocols: ['http', 'https'] },
    { message: 'url must be an http(s) URL' },
  )
  url: string;
}

/** The fields of a service that people set. */
export class ServiceFields {
  @IsOptional()
  @IsUUID()
  teamId?: string;

  @IsOptional()
  @IsUUID()
  escalationPolicyId?: string;

  @IsOptional()
  @IsString()
  @MaxLength(10_000)
  description?: string;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => ServiceLink)
  links?: ServiceLink[];
}

export class CreateServiceRequest extends ServiceFields {
  @Transform(trimmed)
  @IsString()
  @Length(1, 200)
  name: string;

  /** Other names deploys and alerts may use for it; the name itself is always one. */
  @IsOptional()
  @Transform(trimmedList)
  @IsArray()
  @ArrayMaxSize(MAX_SERVICE_ALIASES)
  @IsString({ each: true })
  @Length(1, DEPLOY_LIMITS.short, { each: true })
  aliases?: string[];
}

/** A PATCH of a service: absent fields stay; `null` clears team, policy and description. */
export class UpdateServiceBody {
  @IsOptional()
  @Transform(trimmed)
  @IsString()
  @Length(1, 200)
  name?: string;

  /** Replaces the aliases (the name stays one). */
  @IsOptional()
  @Transform(trimmedList)
  @IsArray()
  @ArrayMaxSize(MAX_SERVICE_ALIASES)
  @IsString({ each: true })
  @Length(1, DEPLOY_LIMITS.short, { each: true })
  aliases?: string[];

  @IsOptional()
  @ValidateIf((_o, value) => value !== null)
  @IsUUID()
  teamId?: string | null;

  @IsOptional()
  @ValidateIf((_o, value) => value !== null)
  @IsUUID()
  escalationPolicyId?: string | null;

  @IsOptional()
  @ValidateIf((_o, value) => value !== null)
  @IsString()
  @MaxLength(10_000)
  description?: string | null;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => ServiceLink)
  links?: ServiceLink[];
}

export class UpdateServiceRequest extends UpdateServiceBody {
  @IsUUID()
  id: string;
}

export interface ServiceView {
  id: string;
  name: string;
  /** Every alias, the name's included, as they were given. */
  aliases: string[];
  teamId: string | null;
  escalationPolicyId: string | null;
  description: string | null;
  links: { title: string; url: string }[];
  createdAt: string;
  updatedAt: string;
}

/** A period: `since` (default 30 days before `until`) to `until` (default now). */
export class ServiceMetricsQuery {
  @IsOptional()
  @IsISO8601({ strict: true })
  since?: string;

  @IsOptional()
  @IsISO8601({ strict: true })
  until?: string;
}

export class ServiceMetricsRequest extends ServiceMetricsQuery {
  @IsUUID()
  id: string;
}

/** DORA-style figures of one service over a period. */
export interface ServiceMetricsView {
  serviceId: string;
  since: string;
  until: string;
  /** A deploy "failed" when an incident of its service opened within this many minutes after it. */
  windowMinutes: number;
  deployCount: number;
  deploysPerDay: number;
  failedDeployCount: number;
  /** failedDeployCount / deployCount; null without deploys. */
  changeFailureRate: number | null;
  /** Incidents of the service opened in the period. */
  incidentCount: number;
  resolvedIncidentCount: number;
  /** Mean of resolvedAt − openedAt over those resolved; null when none is. */
  meanTimeToRestoreSeconds: number | null;
}

export const SUGGESTION_STATUSES = ['open', 'dismissed', 'accepted'] as const;
export type SuggestionStatus = (typeof SUGGESTION_STATUSES)[number];

export class ListSuggestionsRequest extends PageQuery {
  /** Default `open`. */
  @IsOptional()
  @IsIn(SUGGESTION_STATUSES)
  status?: SuggestionStatus;
}

/**
 * Accepting a suggestion: with `serviceId` its alias joins that service; otherwise a new service is
 * created, named `name` (default: the alias) with the other fields given.
 */
export class AcceptSuggestionBody extends ServiceFields {
  @IsOptional()
  @IsUUID()
  serviceId?: string;

  @IsOptional()
  @Transform(trimmed)
  @IsString()
  @Length(1, 200)
  name?: string;
}

export class AcceptSuggestionRequest extends AcceptSuggestionBody {
  @IsUUID()
  id: string;
}

export interface ServiceSuggestionView {
  id: string;
  /** The alias as the first deploy that used it spelled it. */
  alias: string;
  deployCount: number;
  firstSeenAt: string;
  lastSeenAt: string;
  status: SuggestionStatus;
  /** The service it became part of, once accepted. */
  serviceId: string | null;
  resolvedAt: string | null;
}

export interface AcceptedSuggestionView {
  suggestion: ServiceSuggestionView;
  service: ServiceView;
  /** Deploys recorded under the alias before, now linked to the service. */
  linkedDeploys: number;
}

export class ListDeploysRequest extends PageQuery {
  @IsOptional()
  @IsUUID()
  serviceId?: string;

  /** The alias the deploys were sent with (any spelling of it). */
  @IsOptional()
  @IsString()
  @Length(1, DEPLOY_LIMITS.short)
  service?: string;

  @IsOptional()
  @IsString()
  @Length(1, DEPLOY_LIMITS.short)
  environment?: string;

  @IsOptional()
  @IsUUID()
  integrationId?: string;

  /** Deployed at or after. */
  @IsOptional()
  @IsISO8601({ strict: true })
  since?: string;

  /** Deployed before. */
  @IsOptional()
  @IsISO8601({ strict: true })
  until?: string;

  /** A commit sha, or its first 4 or more hex digits. */
  @IsOptional()
  @Matches(/^[0-9a-fA-F]{4,64}$/, { message: 'sha must be 4 to 64 hexadecimal digits' })
  sha?: string;
}

export interface DeployView {
  id: string;
  serviceId: string | null;
  /** The alias the deploy was sent with. */
  service: string | null;
  environment: string | null;
  deployNumber: string | null;
  deployedAt: string;
  receivedAt: string;
  description: string;
  dedupId: string | null;
  deployer: { email?: string; name?: string; id?: string } | null;
  commit: {
    sha?: string;
    message?: string;
    branch?: string;
    date?: string;
    committerName?: string;
    committerEmail?: string;
    authorName?: string;
    authorEmail?: string;
    authoringDate?: string;
  } | null;
  deployUrl: string | null;
  links: { href: string; text?: string }[];
  integrationId: string;
  source: DeploySource;
  /** Incidents of its service that opened within the window after it. */
  incidentCount: number;
}

/** An incident that followed a deploy. */
export interface FollowingIncidentView {
  incidentId: string;
  number: number;
  title: string;
  status: IncidentStatus;
  openedAt: string;
  /** From the deploy to the incident's opening. */
  secondsAfter: number;
  reason: string;
}

export interface DeployDetailView extends DeployView {
  incidents: FollowingIncidentView[];
}

/** A deploy that came shortly before an incident of its service. */
export interface SuspectDeployView extends DeployView {
  /** From the deploy to the incident's opening. */
  secondsBefore: number;
  reason: string;
}

export class IncidentSuspectsRequest {
  @IsUUID()
  incidentId: string;
}

export interface IncidentSuspectsView {
  incidentId: string;
  /** False while deploy-tracker has not seen the incident open yet. */
  known: boolean;
  /** The service the incident was matched to, by the alias its events named or its integration. */
  serviceId: string | null;
  /** Nearest first. */
  suspectDeploys: SuspectDeployView[];
}
