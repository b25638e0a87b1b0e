/*
 * The body of OpsLevel's "Custom Deploys" webhook, checked the way OpsLevel answers it, so that a
 * pipeline written for OpsLevel works against Tocsin by changing only the URL. Every problem is
 * reported, one entry each, in OpsLevel's error shape.
 */
import {
  DEPLOY_LIMITS,
  type DeployCommitV1,
  type DeployerV1,
  type DeployReceivedV1,
} from '@tocsin/contracts';
import { parseDeployDate } from './deploy-date';

/** One entry of OpsLevel's `{"errors":[…]}` body. */
export interface OpsLevelError {
  status: number;
  title: string;
  detail: string;
  /** On a 429: the limit that refused the deploy. */
  meta?: { limit: { bucket: string; rate: number; burst: number } };
}

/** The fields of a deploy that the body decides (ingest adds ids, integration and times). */
export type DeployFields = Omit<DeployReceivedV1, 'deployId' | 'integrationId' | 'source' | 'receivedAt'> & {
  service: string;
};

export type OpsLevelDeployResult =
  { ok: true; deploy: DeployFields } | { ok: false; status: 400 | 415; errors: OpsLevelError[] };

const utf8 = new TextDecoder('utf-8', { fatal: true });

const MISSING = 'Missing parameter';
const INVALID = 'Invalid parameter';

/** The commit fields OpsLevel takes, with the name each has in the stored deploy. */
const COMMIT_FIELDS = [
  ['sha', 'sha'],
  ['message', 'message'],
  ['branch', 'branch'],
  ['date', 'date'],
  ['committer_name', 'committerName'],
  ['committer_email', 'committerEmail'],
  ['author_name', 'authorName'],
  ['author_email', 'authorEmail'],
  ['authoring_date', 'authoringDate'],
] as const satisfies readonly (readonly [string, keyof DeployCommitV1])[];

const COMMIT_DATES = new Set(['date', 'authoring_date']);

/** Reads and checks one deploy body. */
export function parseOpsLevelDeploy(
  contentTypeHeader: string | undefined,
  raw: Buffer | undefined,
): OpsLevelDeployResult {
  const contentType = (contentTypeHeader ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (!(
    contentType === 'application/json' ||
    contentType.endsWith('+json') ||
    contentType === 'text/plain' ||
    contentType === ''
  )) {
    return {
      ok: false,
      status: 415,
      errors: [
        {
          status: 415,
          title: 'Unsupported Media Type',
          detail: `content type "${contentType.slice(0, 100)}" cannot be read; send application/json`,
        },
      ],
    };
  }
  if (!raw || raw.length === 0)
    return refuse([bad('Malformed body', 'the body is empty; send the deploy as JSON')]);
  let body: unknown;
  try {
    body = JSON.parse(utf8.decode(raw));
  } catch (error) {
    const reason = error instanceof SyntaxError ? error.message.slice(0, 300) : 'the body is not valid UTF-8';
    return refuse([bad('Malformed body', `the body is not JSON: ${reason}`)]);
  }
  if (!isObject(body)) {
    return refuse([
      bad(
        'Unrecognized body',
        `the body must be a JSON object with the deploy's fields, not ${kindOf(body)}`,
      ),
    ]);
  }

  const errors: OpsLevelError[] = [];
  const service = requiredString(body, 'service', DEPLOY_LIMITS.short, errors);
  const description = requiredString(body, 'description', DEPLOY_LIMITS.text, errors);
  const deployedAt = requiredDate(body, 'deployed_at', errors);
  const deployer = readDeployer(body['deployer'], errors);
  const environment = optionalString(body, 'environment', 'environment', DEPLOY_LIMITS.short, errors);
  const deployUrl = optionalString(body, 'deploy_url', 'deploy_url', DEPLOY_LIMITS.url, errors);
  const deployNumber = optionalIdentifier(body, 'deploy_number', 'deploy_number', errors);
  const dedupId = optionalIdentifier(body, 'dedup_id', 'dedup_id', errors);
  const commit = readCommit(body['commit'], errors);
  if (errors.length > 0 || service === undefined || description === undefined || deployedAt === undefined) {
    return refuse(errors);
  }
  return {
    ok: true,
    deploy: {
      service,
      description,
      deployedAt,
      ...(deployer ? { deployer } : {}),
      ...(environment !== undefined ? { environment } : {}),
      ...(deployUrl !== undefined ? { deployUrl } : {}),
      ...(deployNumber !== undefined ? { deployNumber } : {}),
      ...(dedupId !== undefined ? { dedupId } : {}),
      ...(commit ? { commit } : {}),
    },
  };
}

function readDeployer(value: unknown, errors: OpsLevelError[]): DeployerV1 | undefined {
  if (value === undefined || value === null) {
    errors.push(missing('deployer'));
    return undefined;
  }
  if (!isObject(value)) {
    errors.push(bad(INVALID, `deployer must be an object with an email or a name, not ${kindOf(value)}`));
    return undefined;
  }
  const deployer: DeployerV1 = {};
  const email = optionalString(value, 'email', 'deployer.email', DEPLOY_LIMITS.short, errors);
  const name = optionalString(value, 'name', 'deployer.name', DEPLOY_LIMITS.short, errors);
  const id = optionalIdentifier(value, 'id', 'deployer.id', errors);
  if (email !== undefined) deployer.email = email;
  if (name !== undefined) deployer.name = name;
  if (id !== undefined) deployer.id = id;
  if (blank(value['email']) && blank(value['name'])) errors.push(missing('deployer.email or deployer.name'));
  return deployer;
}

function readCommit(value: unknown, errors: OpsLevelError[]): DeployCommitV1 | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) {
    errors.push(bad(INVALID, `commit must be an object, not ${kindOf(value)}`));
    return undefined;
  }
  const commit: DeployCommitV1 = {};
  for (const [field, key] of COMMIT_FIELDS) {
    const label = `commit.${field}`;
    if (COMMIT_DATES.has(field)) {
      const date = optionalDate(value, field, label, errors);
      if (date !== undefined) commit[key] = date;
      continue;
    }
    const limit = field === 'message' ? DEPLOY_LIMITS.text : DEPLOY_LIMITS.short;
    const text = optionalString(value, field, label, limit, errors);
    if (text !== undefined) commit[key] = text;
  }
  return Object.keys(commit).length > 0 ? commit : undefined;
}

function requiredString(
  holder: Record<string, unknown>,
  key: string,
  max: number,
  errors: OpsLevelError[],
): string | undefined {
  if (blank(holder[key])) {
    errors.push(missing(key));
    return undefined;
  }
  return optionalString(holder, key, key, max, errors);
}

/** A string field; absent, null or only white space: undefined. */
function optionalString(
  holder: Record<string, unknown>,
  key: string,
  label: string,
  max: number,
  errors: OpsLevelError[],
): string | undefined {
  const value = holder[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    errors.push(bad(INVALID, `${label} must be a string, not ${kindOf(value)}`));
    return undefined;
  }
  const text = value.trim();
  if (text === '') return undefined;
  if (text.length > max) {
    errors.push(bad(INVALID, `${label} is longer than ${max} characters`));
    return undefined;
  }
  return text;
}

/** An identifier pipelines send as a string or a whole number (run ids, build numbers); kept as text. */
function optionalIdentifier(
  holder: Record<string, unknown>,
  key: string,
  label: string,
  errors: OpsLevelError[],
): string | undefined {
  const value = holder[key];
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) {
      errors.push(bad(INVALID, `${label} must be a string or a whole number, not ${value}`));
      return undefined;
    }
    return String(value);
  }
  if (value !== undefined && value !== null && typeof value !== 'string') {
    errors.push(bad(INVALID, `${label} must be a string or a whole number, not ${kindOf(value)}`));
    return undefined;
  }
  return optionalString(holder, key, label, DEPLOY_LIMITS.short, errors);
}

function requiredDate(
  holder: Record<string, unknown>,
  key: string,
  errors: OpsLevelError[],
): string | undefined {
  if (blank(holder[key])) {
    errors.push(missing(key));
    return undefined;
  }
  return optionalDate(holder, key, key, errors);
}

function optionalDate(
  holder: Record<string, unknown>,
  key: string,
  label: string,
  errors: OpsLevelError[],
): string | undefined {
  const value = holder[key];
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) {
    return undefined;
  }
  if (typeof value !== 'string') {
    errors.push(bad(INVALID, `${label} must be a date string, not ${kindOf(value)}`));
    return undefined;
  }
  const date = parseDeployDate(value);
  if (date === null) {
    errors.push(
      bad(
        INVALID,
        `${label} is not a date: ${JSON.stringify(value.slice(0, 64))}; send "2019-02-01 13:28:33" (UTC) or ISO 8601`,
      ),
    );
    return undefined;
  }
  return date;
}

function refuse(errors: OpsLevelError[]): OpsLevelDeployResult {
  return { ok: false, status: 400, errors };
}

function missing(param: string): OpsLevelError {
  return bad(MISSING, `param is missing or the value is empty: ${param}`);
}

function bad(title: string, detail: string): OpsLevelError {
  return { status: 400, title, detail };
}

function blank(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}
