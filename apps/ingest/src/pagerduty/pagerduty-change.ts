/*
 * PagerDuty Events API v2 change events (POST /v2/change/enqueue), checked the way PagerDuty
 * documents them (developer.pagerduty.com "Send a Change Event"), with PagerDuty's response bodies.
 * A change event is recorded as a deploy of the service of the integration whose token is the
 * routing key.
 */
import { DEPLOY_LIMITS, type DeployLinkV1, type DeployReceivedV1 } from '@tocsin/contracts';
import { parseDeployDate } from '../deploys/deploy-date';
import {
  contextList,
  invalidEvent,
  isIsoTimestamp,
  isObject,
  optionalString,
  readEventObject,
  requiredString,
  blank,
  PAGERDUTY_LIMITS,
  type PagerDutyErrorBody,
} from './pagerduty-event';

/** PagerDuty's body for a change event it took. */
export interface PagerDutyChangeSuccessBody {
  status: 'success';
  message: 'Change event processed';
}

export const CHANGE_EVENT_PROCESSED: PagerDutyChangeSuccessBody = {
  status: 'success',
  message: 'Change event processed',
};

/** The fields of a deploy a change event decides (ingest adds ids, integration and service). */
export type ChangeDeployFields = Omit<
  DeployReceivedV1,
  'deployId' | 'integrationId' | 'source' | 'receivedAt' | 'service' | 'serviceId'
>;

export type PagerDutyChangeResult =
  | { ok: true; routingKey: string; deploy: ChangeDeployFields }
  | { ok: false; status: 400 | 415; body: PagerDutyErrorBody };

/**
 * Reads and checks one change event. `receivedAt` stands in for a missing `payload.timestamp`.
 * `custom_details.environment`, `.revision` and `.user`, which deploy tools (Ansible's
 * `pagerduty_change` among them) put there, become the deploy's environment, commit sha and
 * deployer when they are short strings.
 */
export function parsePagerDutyChangeEvent(
  contentTypeHeader: string | undefined,
  raw: Buffer | undefined,
  receivedAt: Date,
  /** `X-Routing-Key`, as older clients send the key. */
  routingKeyHeader?: string,
): PagerDutyChangeResult {
  const read = readEventObject(contentTypeHeader, raw);
  if (!read.ok) return read;
  const event = read.event;
  if (blank(event['routing_key']) && routingKeyHeader) event['routing_key'] = routingKeyHeader;

  const errors: string[] = [];
  requiredString(event, 'routing_key', 'routing_key', Infinity, errors);
  const payload = event['payload'];
  if (payload !== undefined && payload !== null && !isObject(payload)) {
    errors.push(`'payload' is invalid (must be an object)`);
    return { ok: false, status: 400, body: invalidEvent(errors) };
  }
  const p = isObject(payload) ? payload : {};
  requiredString(p, 'summary', 'payload.summary', PAGERDUTY_LIMITS.summary, errors);
  optionalString(p['source'], 'payload.source', Infinity, errors);
  const timestamp = p['timestamp'];
  let deployedAt = receivedAt.toISOString();
  if (timestamp !== undefined && timestamp !== null) {
    const parsed = isIsoTimestamp(timestamp) ? parseDeployDate(timestamp as string) : null;
    if (parsed === null) errors.push(`'payload.timestamp' is invalid (must be an ISO 8601 date and time)`);
    else deployedAt = parsed;
  }
  const details = p['custom_details'];
  if (details !== undefined && details !== null && !isObject(details)) {
    errors.push(`'payload.custom_details' is invalid (must be an object)`);
  }
  contextList(event['links'], 'links', 'href', ['text'], errors);
  const links = Array.isArray(event['links']) ? readLinks(event['links'], errors) : [];
  if (errors.length > 0) return { ok: false, status: 400, body: invalidEvent(errors) };

  const custom = isObject(details) ? details : {};
  const environment = shortString(custom['environment']);
  const revision = shortString(custom['revision']);
  const user = shortString(custom['user']);
  const deploy: ChangeDeployFields = {
    description: p['summary'] as string,
    deployedAt,
    ...(environment ? { environment } : {}),
    ...(revision ? { commit: { sha: revision } } : {}),
    ...(user ? { deployer: { name: user } } : {}),
    ...(links.length > 0 ? { links: links.slice(0, DEPLOY_LIMITS.links), deployUrl: links[0]?.href } : {}),
  };
  return { ok: true, routingKey: event['routing_key'] as string, deploy };
}

/** The well-formed links (contextList reported the others), within the lengths a deploy keeps. */
function readLinks(items: unknown[], errors: string[]): DeployLinkV1[] {
  const links: DeployLinkV1[] = [];
  items.forEach((item, i) => {
    if (!isObject(item) || typeof item['href'] !== 'string' || item['href'].trim() === '') return;
    const href = item['href'];
    const text = item['text'];
    if (href.length > DEPLOY_LIMITS.url) {
      errors.push(`'links[${i}].href' is too long (maximum is ${DEPLOY_LIMITS.url} characters)`);
      return;
    }
    if (typeof text === 'string' && text.length > DEPLOY_LIMITS.short) {
      errors.push(`'links[${i}].text' is too long (maximum is ${DEPLOY_LIMITS.short} characters)`);
      return;
    }
    links.push({ href, ...(typeof text === 'string' && text !== '' ? { text } : {}) });
  });
  return links;
}

function shortString(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  return text !== '' && text.length <= DEPLOY_LIMITS.short ? text : undefined;
}
