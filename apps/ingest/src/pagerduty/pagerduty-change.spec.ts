import { DeployReceivedV1, flattenErrors } from '@tocsin/contracts';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { randomUUID } from 'node:crypto';
import { parsePagerDutyChangeEvent, type PagerDutyChangeResult } from './pagerduty-change';

const KEY = 'a0000000aa0000a0a000aa0a0a0aa000';
const NOW = new Date('2026-03-01T12:00:00Z');

/** PagerDuty's own example change event (developer.pagerduty.com "Send a Change Event"). */
const CHANGE = {
  routing_key: KEY,
  payload: {
    summary: 'Build Success: Increase snapshot create timeout to 30 seconds',
    timestamp: '2020-07-17T08:42:58.315+0000',
    source: 'acme-build-pipeline-tool-default-i-9999',
    custom_details: { build_state: 'passed', build_number: '2', run_time: '1236s' },
  },
  links: [{ href: 'https://acme.pagerduty.dev/build/2', text: 'View more details in Acme!' }],
};

function parse(event: unknown, contentType = 'application/json', header?: string): PagerDutyChangeResult {
  const raw = typeof event === 'string' ? event : JSON.stringify(event);
  return parsePagerDutyChangeEvent(contentType, Buffer.from(raw), NOW, header);
}

function errorsOf(event: unknown): string[] {
  const result = parse(event);
  if (result.ok) throw new Error('the event was accepted');
  expect(result).toMatchObject({
    status: 400,
    body: { status: 'invalid event', message: 'Event object is invalid' },
  });
  return result.body.errors ?? [];
}

describe('parsePagerDutyChangeEvent', () => {
  it("reads PagerDuty's example change event as a deploy, its timestamp in UTC", () => {
    expect(parse(CHANGE)).toEqual({
      ok: true,
      routingKey: KEY,
      deploy: {
        description: 'Build Success: Increase snapshot create timeout to 30 seconds',
        deployedAt: '2020-07-17T08:42:58.315Z',
        links: [{ href: 'https://acme.pagerduty.dev/build/2', text: 'View more details in Acme!' }],
        deployUrl: 'https://acme.pagerduty.dev/build/2',
      },
    });
  });

  it('takes the time it was received when the event has no timestamp', () => {
    const result = parse({ routing_key: KEY, payload: { summary: 'Deployed' } });
    expect(result).toMatchObject({
      ok: true,
      deploy: { description: 'Deployed', deployedAt: NOW.toISOString() },
    });
  });

  it('reads environment, revision and user from custom_details, as deploy tools send them', () => {
    const result = parse({
      ...CHANGE,
      payload: {
        ...CHANGE.payload,
        custom_details: { environment: 'production', revision: 'abc123', user: 'ci' },
      },
    });
    expect(result).toMatchObject({
      ok: true,
      deploy: { environment: 'production', commit: { sha: 'abc123' }, deployer: { name: 'ci' } },
    });
  });

  it('names every rule the event breaks, in PagerDuty’s words', () => {
    expect(errorsOf({})).toEqual([
      "'routing_key' is missing or blank",
      "'payload.summary' is missing or blank",
    ]);
    expect(
      errorsOf({
        routing_key: KEY,
        payload: { summary: 's'.repeat(1025), source: 5, timestamp: 'yesterday', custom_details: 'x' },
        links: [{ text: 'no href' }],
      }),
    ).toEqual([
      "'payload.summary' is too long (maximum is 1024 characters)",
      "'payload.source' is invalid (must be a string)",
      "'payload.timestamp' is invalid (must be an ISO 8601 date and time)",
      "'payload.custom_details' is invalid (must be an object)",
      "'links[0].href' is missing or blank",
    ]);
    expect(errorsOf({ routing_key: KEY, payload: 'Deployed' })).toEqual([
      "'payload' is invalid (must be an object)",
    ]);
    expect(errorsOf({ ...CHANGE, links: [{ href: `https://x/${'l'.repeat(2048)}` }] })).toEqual([
      "'links[0].href' is too long (maximum is 2048 characters)",
    ]);
  });

  it('takes the routing key from X-Routing-Key when the body has none', () => {
    const { routing_key: _omitted, ...event } = CHANGE;
    expect(parse(event, 'application/json', KEY)).toMatchObject({ ok: true, routingKey: KEY });
  });

  it('answers a body that is not a JSON object, and a content type it cannot read, as PagerDuty does', () => {
    expect(parse('[1]')).toMatchObject({ ok: false, status: 400, body: { status: 'Unrecognized object' } });
    expect(parse(CHANGE, 'application/x-www-form-urlencoded')).toMatchObject({
      ok: false,
      status: 415,
      body: { status: 'Unsupported media type' },
    });
  });

  it('makes messages that satisfy the deploy.received contract, however many links it gets', () => {
    const links = Array.from({ length: 30 }, (_, i) => ({
      href: `https://ci.example.com/${i}`,
      text: 't'.repeat(255),
    }));
    const result = parse({ ...CHANGE, links });
    if (!result.ok) throw new Error(JSON.stringify(result.body));
    expect(result.deploy.links).toHaveLength(20);
    const message = plainToInstance(DeployReceivedV1, {
      ...result.deploy,
      deployId: randomUUID(),
      integrationId: randomUUID(),
      source: 'pagerduty',
      receivedAt: NOW.toISOString(),
    });
    expect(flattenErrors(validateSync(message, { forbidUnknownValues: true }))).toEqual([]);
  });
});
