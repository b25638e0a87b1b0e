import { Transform } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  MinLength,
  ValidateIf,
} from 'class-validator';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value.trim()) : value;

const MEMORY_SOFT_LIMIT_MESSAGE =
  'MEMORY_SOFT_LIMIT_MIB must be 0 (none) or a whole number of MiB from 64 to 1048576';

const URL_OPTIONS = { require_tld: false, require_protocol: true, protocols: ['http', 'https'] };

/** Settings every service reads. Each app extends this with what it alone needs. */
export class BaseSettings {
  @IsString()
  @Matches(/^(nats|tls|ws|wss):\/\/[^\s,]+(,(nats|tls|ws|wss):\/\/[^\s,]+)*$/, {
    message: 'NATS_URL must be one or more nats:// URLs separated by commas',
  })
  NATS_URL = 'nats://127.0.0.1:4222';

  @IsString()
  @Matches(/^[a-z][a-z0-9_-]{0,31}$/, {
    message:
      'TOCSIN_PREFIX must be 1-32 characters: lower-case letters, digits, "_" or "-", starting with a letter',
  })
  TOCSIN_PREFIX = 'tocsin';

  @IsIn(LOG_LEVELS, { message: `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}` })
  LOG_LEVEL: LogLevel = 'info';

  /** Replicas of each JetStream stream Tocsin creates: 1 on a single server, 3 on a cluster. */
  @Transform(toInt)
  @IsInt({ message: 'TOCSIN_STREAM_REPLICAS must be 1, 3 or 5' })
  @IsIn([1, 3, 5], { message: 'TOCSIN_STREAM_REPLICAS must be 1, 3 or 5' })
  TOCSIN_STREAM_REPLICAS = 1;

  /**
   * The whole of a request (headers and body) must arrive within this time, or the connection
   * gets 408 and is closed: a client that sends slowly cannot hold a connection open.
   */
  @Transform(toInt)
  @IsInt({ message: 'HTTP_REQUEST_TIMEOUT_MS must be a whole number of milliseconds from 1000 to 600000' })
  @Min(1_000, {
    message: 'HTTP_REQUEST_TIMEOUT_MS must be a whole number of milliseconds from 1000 to 600000',
  })
  @Max(600_000, {
    message: 'HTTP_REQUEST_TIMEOUT_MS must be a whole number of milliseconds from 1000 to 600000',
  })
  HTTP_REQUEST_TIMEOUT_MS = 30_000;

  /** The request's headers must arrive within this time (at most HTTP_REQUEST_TIMEOUT_MS), or 408. */
  @Transform(toInt)
  @IsInt({ message: 'HTTP_HEADERS_TIMEOUT_MS must be a whole number of milliseconds from 1000 to 600000' })
  @Min(1_000, {
    message: 'HTTP_HEADERS_TIMEOUT_MS must be a whole number of milliseconds from 1000 to 600000',
  })
  @Max(600_000, {
    message: 'HTTP_HEADERS_TIMEOUT_MS must be a whole number of milliseconds from 1000 to 600000',
  })
  HTTP_HEADERS_TIMEOUT_MS = 10_000;

  /** How long a kept-alive connection may wait idle for its next request before it is closed. */
  @Transform(toInt)
  @IsInt({ message: 'HTTP_KEEP_ALIVE_TIMEOUT_MS must be a whole number of milliseconds from 1000 to 600000' })
  @Min(1_000, {
    message: 'HTTP_KEEP_ALIVE_TIMEOUT_MS must be a whole number of milliseconds from 1000 to 600000',
  })
  @Max(600_000, {
    message: 'HTTP_KEEP_ALIVE_TIMEOUT_MS must be a whole number of milliseconds from 1000 to 600000',
  })
  HTTP_KEEP_ALIVE_TIMEOUT_MS = 72_000;

  /**
   * How much the JavaScript heap may grow past what survived the last full collection before the
   * next one, in per cent; 0 leaves it to V8, which grows it up to 4-fold while collections are
   * cheap. A low figure holds a process's resident memory near its live data under a flood, for
   * more CPU spent collecting (docs/benchmarks.md measures both).
   */
  @Transform(toInt)
  @IsInt({ message: 'HEAP_GROWTH_PERCENT must be a whole number from 0 to 400' })
  @Min(0, { message: 'HEAP_GROWTH_PERCENT must be a whole number from 0 to 400' })
  @Max(400, { message: 'HEAP_GROWTH_PERCENT must be a whole number from 0 to 400' })
  HEAP_GROWTH_PERCENT = 0;

  /**
   * A soft limit on the process's resident memory, in MiB; 0 (the default) for none. Past 90 % of it
   * a full collection runs and the heap's growth is held to 20 % until the process is back under
   * 85 %: a flood costs collections instead of memory (docs/benchmarks.md measures both). The live
   * data is not limited. HEAP_GROWTH_PERCENT, when set, wins.
   */
  @Transform(toInt)
  @ValidateIf((s: BaseSettings) => s.MEMORY_SOFT_LIMIT_MIB !== 0)
  @IsInt({ message: MEMORY_SOFT_LIMIT_MESSAGE })
  @Min(64, { message: MEMORY_SOFT_LIMIT_MESSAGE })
  @Max(1_048_576, { message: MEMORY_SOFT_LIMIT_MESSAGE })
  MEMORY_SOFT_LIMIT_MIB = 0;
}

/** Settings of a service that owns a PostgreSQL schema. */
export class DatabaseSettings extends BaseSettings {
  @IsString()
  @Matches(/^postgres(ql)?:\/\/\S+\/[A-Za-z0-9_-]+(\?\S*)?$/, {
    message: 'DATABASE_URL must be a postgres:// URL that names a database',
  })
  DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/tocsin';
}

export class IngestSettings extends BaseSettings {
  @Transform(toInt)
  @IsInt({ message: 'INGEST_PORT must be an integer' })
  @Min(1)
  @Max(65535)
  INGEST_PORT = 8080;

  @Transform(toInt)
  @IsInt({ message: 'INGEST_BODY_LIMIT must be an integer number of bytes' })
  @Min(1024)
  @Max(64 * 1024 * 1024)
  INGEST_BODY_LIMIT = 1024 * 1024;

  /** Events a second one integration may send to this ingest process (token bucket refill). */
  @Transform(toInt)
  @IsInt({
    message: 'INGEST_RATE_PER_INTEGRATION must be a whole number of events a second from 1 to 1000000',
  })
  @Min(1, {
    message: 'INGEST_RATE_PER_INTEGRATION must be a whole number of events a second from 1 to 1000000',
  })
  @Max(1_000_000, {
    message: 'INGEST_RATE_PER_INTEGRATION must be a whole number of events a second from 1 to 1000000',
  })
  INGEST_RATE_PER_INTEGRATION = 200;

  /** Events one integration may send at once above its rate (token bucket size). */
  @Transform(toInt)
  @IsInt({ message: 'INGEST_BURST_PER_INTEGRATION must be a whole number of events from 1 to 10000000' })
  @Min(1, { message: 'INGEST_BURST_PER_INTEGRATION must be a whole number of events from 1 to 10000000' })
  @Max(10_000_000, {
    message: 'INGEST_BURST_PER_INTEGRATION must be a whole number of events from 1 to 10000000',
  })
  INGEST_BURST_PER_INTEGRATION = 1000;

  /** Events a second all integrations together may send to this ingest process. */
  @Transform(toInt)
  @IsInt({ message: 'INGEST_RATE_TOTAL must be a whole number of events a second from 1 to 1000000' })
  @Min(1, { message: 'INGEST_RATE_TOTAL must be a whole number of events a second from 1 to 1000000' })
  @Max(1_000_000, {
    message: 'INGEST_RATE_TOTAL must be a whole number of events a second from 1 to 1000000',
  })
  INGEST_RATE_TOTAL = 20_000;

  /** Events all integrations together may send at once above the total rate. */
  @Transform(toInt)
  @IsInt({ message: 'INGEST_BURST_TOTAL must be a whole number of events from 1 to 10000000' })
  @Min(1, { message: 'INGEST_BURST_TOTAL must be a whole number of events from 1 to 10000000' })
  @Max(10_000_000, { message: 'INGEST_BURST_TOTAL must be a whole number of events from 1 to 10000000' })
  INGEST_BURST_TOTAL = 40_000;

  /** Publishes waiting for JetStream's ack in this process; beyond it requests get 503 at once. */
  @Transform(toInt)
  @IsInt({ message: 'INGEST_MAX_PENDING_PUBLISHES must be a whole number from 1 to 100000' })
  @Min(1, { message: 'INGEST_MAX_PENDING_PUBLISHES must be a whole number from 1 to 100000' })
  @Max(100_000, { message: 'INGEST_MAX_PENDING_PUBLISHES must be a whole number from 1 to 100000' })
  INGEST_MAX_PENDING_PUBLISHES = 500;
}

export class NormalizeSettings extends DatabaseSettings {
  @Transform(toInt)
  @IsInt({ message: 'NORMALIZE_PORT must be an integer' })
  @Min(1)
  @Max(65535)
  NORMALIZE_PORT = 9101;

  @IsUrl(URL_OPTIONS, { message: 'TOCSIN_PUBLIC_URL must be an http(s) URL' })
  TOCSIN_PUBLIC_URL = 'http://127.0.0.1:8080';

  /** Days the inbound log keeps a message before the background purge removes it. */
  @Transform(toInt)
  @IsInt({ message: 'INBOUND_RETENTION_DAYS must be a whole number of days from 1 to 3650' })
  @Min(1, { message: 'INBOUND_RETENTION_DAYS must be a whole number of days from 1 to 3650' })
  @Max(3650, { message: 'INBOUND_RETENTION_DAYS must be a whole number of days from 1 to 3650' })
  INBOUND_RETENTION_DAYS = 7;
}

export class IncidentStateSettings extends DatabaseSettings {
  @Transform(toInt)
  @IsInt({ message: 'INCIDENT_STATE_PORT must be an integer' })
  @Min(1)
  @Max(65535)
  INCIDENT_STATE_PORT = 9102;
}

export class DeployTrackerSettings extends DatabaseSettings {
  @Transform(toInt)
  @IsInt({ message: 'DEPLOY_TRACKER_PORT must be an integer' })
  @Min(1)
  @Max(65535)
  DEPLOY_TRACKER_PORT = 9103;

  /**
   * How long before an incident opens a deploy of its service counts as a suspect, in minutes; also
   * the window in which an incident makes a deploy count as failed in the service metrics.
   */
  @Transform(toInt)
  @IsInt({ message: 'DEPLOY_SUSPECT_WINDOW_MINUTES must be a whole number of minutes from 1 to 10080' })
  @Min(1, { message: 'DEPLOY_SUSPECT_WINDOW_MINUTES must be a whole number of minutes from 1 to 10080' })
  @Max(10_080, { message: 'DEPLOY_SUSPECT_WINDOW_MINUTES must be a whole number of minutes from 1 to 10080' })
  DEPLOY_SUSPECT_WINDOW_MINUTES = 120;
}

const THROTTLE_RULE =
  '(email|sms|voice|push|webhook|slack)=[1-9][0-9]{0,5}/[1-9][0-9]{0,6}(,[1-9][0-9]{0,5}/[1-9][0-9]{0,6})*';
const THROTTLES = new RegExp(`^(off|${THROTTLE_RULE}(;${THROTTLE_RULE})*)$`);

export class NotifierSettings extends DatabaseSettings {
  @Transform(toInt)
  @IsInt({ message: 'NOTIFIER_PORT must be an integer' })
  @Min(1)
  @Max(65535)
  NOTIFIER_PORT = 9104;

  @IsUrl(URL_OPTIONS, { message: 'TOCSIN_API_URL must be an http(s) URL' })
  TOCSIN_API_URL = 'http://127.0.0.1:8081';

  @IsOptional()
  @Matches(/^smtps?:\/\/\S+$/, { message: 'SMTP_URL must be an smtp:// or smtps:// URL' })
  SMTP_URL?: string;

  @IsOptional()
  @IsString()
  SMTP_FROM?: string;

  @IsUrl(URL_OPTIONS, { message: 'TWILIO_BASE_URL must be an http(s) URL' })
  TWILIO_BASE_URL = 'https://api.twilio.com';

  @IsOptional()
  @IsString()
  TWILIO_ACCOUNT_SID?: string;

  @IsOptional()
  @IsString()
  TWILIO_AUTH_TOKEN?: string;

  @IsOptional()
  @IsString()
  TWILIO_FROM?: string;

  @IsOptional()
  @IsString()
  VAPID_PUBLIC_KEY?: string;

  @IsOptional()
  @IsString()
  VAPID_PRIVATE_KEY?: string;

  @IsOptional()
  @IsString()
  VAPID_SUBJECT?: string;

  /**
   * Per-contact-method throttles: `off`, or overrides of the defaults per channel, as
   * `<channel>=<limit>/<seconds>[,<limit>/<seconds>…]` joined with `;`, e.g. `sms=3/60,30/3600;email=20/60`.
   */
  @IsOptional()
  @Matches(THROTTLES, {
    message:
      'NOTIFIER_THROTTLES must be "off" or like "sms=3/60,30/3600;email=20/60" (channel=limit/seconds, …)',
  })
  NOTIFIER_THROTTLES?: string;
}

export class ApiSettings extends DatabaseSettings {
  @Transform(toInt)
  @IsInt({ message: 'API_PORT must be an integer' })
  @Min(1)
  @Max(65535)
  API_PORT = 8081;

  @IsString()
  @MinLength(24, { message: 'TOCSIN_ADMIN_KEY must be at least 24 characters' })
  TOCSIN_ADMIN_KEY: string;

  @IsUrl(URL_OPTIONS, { message: 'TOCSIN_PUBLIC_URL must be an http(s) URL' })
  TOCSIN_PUBLIC_URL = 'http://127.0.0.1:8080';

  @IsUrl(URL_OPTIONS, { message: 'TOCSIN_API_URL must be an http(s) URL' })
  TOCSIN_API_URL = 'http://127.0.0.1:8081';
}

/** The settings class of each app, by Nx project name. Deploy manifests are checked against these. */
export const SETTINGS_BY_APP = {
  ingest: IngestSettings,
  normalize: NormalizeSettings,
  'incident-state': IncidentStateSettings,
  'deploy-tracker': DeployTrackerSettings,
  notifier: NotifierSettings,
  api: ApiSettings,
} as const;

export type AppName = keyof typeof SETTINGS_BY_APP;
export const APP_NAMES = Object.keys(SETTINGS_BY_APP) as AppName[];

/** The settings an app that owns a database keeps in its own PostgreSQL schema. */
export const SCHEMA_BY_APP: Record<Exclude<AppName, 'ingest'>, string> = {
  normalize: 'normalize',
  'incident-state': 'incident_state',
  'deploy-tracker': 'deploy_tracker',
  notifier: 'notifier',
  api: 'api',
};
