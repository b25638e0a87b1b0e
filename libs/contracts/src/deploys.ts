import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsISO8601,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { createHash } from 'node:crypto';
import { defineMessage } from './envelope';

/** Where a deploy came from: `POST /deploys/{token}` (OpsLevel's body) or `POST /v2/change/enqueue`. */
export const DEPLOY_SOURCES = ['opslevel', 'pagerduty'] as const;
export type DeploySource = (typeof DEPLOY_SOURCES)[number];

/** The longest values a deploy keeps; longer ones are refused at ingest with the field's name. */
export const DEPLOY_LIMITS = {
  /** service, environment, deploy_number, dedup_id, names, emails, ids, branch, sha */
  short: 255,
  url: 2048,
  /** description and commit message */
  text: 65_536,
  links: 20,
} as const;

export class DeployerV1 {
  @IsOptional()
  @IsString()
  @MaxLength(DEPLOY_LIMITS.short)
  email?: string;

  @IsOptional()
  @IsString()
  @MaxLength(DEPLOY_LIMITS.short)
  name?: string;

  @IsOptional()
  @IsString()
  @MaxLength(DEPLOY_LIMITS.short)
  id?: string;
}

/** The commit a deploy shipped; dates are ISO 8601 in UTC. */
export class DeployCommitV1 {
  @IsOptional()
  @IsString()
  @MaxLength(DEPLOY_LIMITS.short)
  sha?: string;

  @IsOptional()
  @IsString()
  @MaxLength(DEPLOY_LIMITS.text)
  message?: string;

  @IsOptional()
  @IsString()
  @MaxLength(DEPLOY_LIMITS.short)
  branch?: string;

  @IsOptional()
  @IsISO8601({ strict: true })
  date?: string;

  @IsOptional()
  @IsString()
  @MaxLength(DEPLOY_LIMITS.short)
  committerName?: string;

  @IsOptional()
  @IsString()
  @MaxLength(DEPLOY_LIMITS.short)
  committerEmail?: string;

  @IsOptional()
  @IsString()
  @MaxLength(DEPLOY_LIMITS.short)
  authorName?: string;

  @IsOptional()
  @IsString()
  @MaxLength(DEPLOY_LIMITS.short)
  authorEmail?: string;

  @IsOptional()
  @IsISO8601({ strict: true })
  authoringDate?: string;
}

export class DeployLinkV1 {
  @IsString()
  @Length(1, DEPLOY_LIMITS.url)
  href: string;

  @IsOptional()
  @IsString()
  @MaxLength(DEPLOY_LIMITS.short)
  text?: string;
}

/** ingest → deploy-tracker: a deploy a pipeline reported, stored before ingest answered 202. */
export class DeployReceivedV1 {
  /** Assigned by ingest; the deploy's id once recorded. */
  @IsUUID()
  deployId: string;

  @IsUUID()
  integrationId: string;

  @IsIn(DEPLOY_SOURCES)
  source: DeploySource;

  @IsISO8601({ strict: true })
  receivedAt: string;

  /** The service alias the pipeline sent (OpsLevel's `service`). */
  @IsOptional()
  @IsString()
  @Length(1, DEPLOY_LIMITS.short)
  service?: string;

  /** The service of the integration, for deploys that name none (PagerDuty change events). */
  @IsOptional()
  @IsUUID()
  serviceId?: string;

  @IsString()
  @MaxLength(DEPLOY_LIMITS.text)
  description: string;

  @IsOptional()
  @IsString()
  @Length(1, DEPLOY_LIMITS.short)
  environment?: string;

  /** When the deploy happened, ISO 8601 in UTC. */
  @IsISO8601({ strict: true })
  deployedAt: string;

  @IsOptional()
  @ValidateNested()
  @Type(() => DeployerV1)
  deployer?: DeployerV1;

  @IsOptional()
  @IsString()
  @MaxLength(DEPLOY_LIMITS.url)
  deployUrl?: string;

  /** As the pipeline sent it; absent: deploy-tracker numbers it, next in sequence for its service. */
  @IsOptional()
  @IsString()
  @Length(1, DEPLOY_LIMITS.short)
  deployNumber?: string;

  @IsOptional()
  @IsString()
  @Length(1, DEPLOY_LIMITS.short)
  dedupId?: string;

  @IsOptional()
  @ValidateNested()
  @Type(() => DeployCommitV1)
  commit?: DeployCommitV1;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(DEPLOY_LIMITS.links)
  @ValidateNested({ each: true })
  @Type(() => DeployLinkV1)
  links?: DeployLinkV1[];
}
export const DeployReceived = defineMessage('deploy.received', 1, DeployReceivedV1);

/** deploy-tracker → the rest of the system: a deploy of a known service was recorded. */
export class DeployRecordedV1 {
  @IsUUID()
  deployId: string;

  @IsUUID()
  serviceId: string;

  @IsUUID()
  integrationId: string;

  @IsOptional()
  @IsString()
  @MaxLength(DEPLOY_LIMITS.short)
  service?: string;

  @IsOptional()
  @IsString()
  @MaxLength(DEPLOY_LIMITS.short)
  environment?: string;

  @IsOptional()
  @IsString()
  @MaxLength(DEPLOY_LIMITS.short)
  deployNumber?: string;

  @IsISO8601({ strict: true })
  deployedAt: string;

  @IsOptional()
  @IsString()
  @MaxLength(DEPLOY_LIMITS.short)
  commitSha?: string;
}
export const DeployRecorded = defineMessage('deploy.recorded', 1, DeployRecordedV1);

/** deploy-tracker → ingest (KV `service-aliases`): the service an alias names, keyed by aliasIndexKey. */
export class ServiceAliasEntryV1 {
  @IsUUID()
  serviceId: string;

  @IsString()
  @Length(1, DEPLOY_LIMITS.short)
  alias: string;
}

/**
 * How aliases are compared: surrounding white space dropped, Unicode NFC, lower case. "Checkout",
 * " checkout " and "CHECKOUT" are one alias.
 */
export function aliasKey(alias: string): string {
  return alias.trim().normalize('NFC').toLowerCase();
}

/** The KV key of an alias: KV keys allow few characters, so the sha256 of its aliasKey, in hex. */
export function aliasIndexKey(alias: string): string {
  return createHash('sha256').update(aliasKey(alias)).digest('hex');
}

/**
 * The Nats-Msg-Id of a received deploy. With a dedup_id it is derived from integration and dedup_id,
 * so the stream stores one of several posts of the same deploy (concurrent ones included) and tells
 * the others apart as duplicates; without one, every post is a deploy of its own.
 */
export function deployMessageId(integrationId: string, deployId: string, dedupId?: string): string {
  if (dedupId === undefined) return `deploy:${deployId}`;
  const digest = createHash('sha256').update(`${integrationId}\n${dedupId}`).digest('hex').slice(0, 40);
  return `deploy:${integrationId}:${digest}`;
}
