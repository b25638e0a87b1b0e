import { parsePagerDutyEvent, type PagerDutyEventResult } from './pagerduty-event';

const KEY = 'e93facc04764012d7bfb002500d5d1a6';
const newKey = () => '0123456789abcdef0123456789abcdef';

/** PagerDuty's own example trigger event (developer.pagerduty.com "Send an Alert Event"). */
const TRIGGER = {
  payload: {
    summary: 'Example alert on host1.example.com',
    timestamp: '2015-07-17T08:42:58.315+0000',
    source: 'monitoringtool:cloudvendor:central-region-dc-01:852559987:cluster/api-stats-prod-003',
    severity: 'info',
    component: 'postgres',
    group: 'prod-datapipe',
    class: 'deploy',
    custom_details: { 'ping time': '1500ms', 'load avg': 0.75 },
  },
  routing_key: KEY,
  dedup_key: 'samplekeyhere',
  images: [{ src: 'https://example.com/logo.png', href: 'https://example.com/', alt: 'Example text' }],
  links: [{ href: 'https://example.com/', text: 'Link text' }],
  event_action: 'trigger',
  client: 'Sample Monitoring Service',
  client_url: 'https://monitoring.example.com',
};

function parse(event: unknown, contentType: string | undefined = 'application/json'): PagerDutyEventResult {
  const raw = typeof event === 'string' ? event : JSON.stringify(event);
  return parsePagerDutyEvent(contentType, Buffer.from(raw), newKey);
}

function errorsOf(event: unknown): string[] {
  const result = parse(event);
  if (result.ok) throw new Error('the event was accepted');
  expect(result.status).toBe(400);
  expect(result.body.status).toBe('invalid event');
  expect(result.body.message).toBe('Event object is invalid');
  return result.body.errors ?? [];
}

describe('parsePagerDutyEvent', () => {
  it("accepts PagerDuty's example trigger, keeps its dedup key and never stores the routing key", () => {
    const result = parse(TRIGGER);
    if (!result.ok) throw new Error(JSON.stringify(result.body));
    expect(result).toMatchObject({ routingKey: KEY, eventAction: 'trigger', dedupKey: 'samplekeyhere' });
    const stored = JSON.parse(result.body) as Record<string, unknown>;
    expect(stored).toEqual({ ...TRIGGER, routing_key: '[redacted]' });
    expect(result.body).not.toContain(KEY);
  });

  it('makes a dedup key for a trigger without one and writes it into the stored body', () => {
    for (const dedup of [undefined, '', '  ']) {
      const result = parse({ ...TRIGGER, dedup_key: dedup });
      if (!result.ok) throw new Error(JSON.stringify(result.body));
      expect(result.dedupKey).toBe(newKey());
      expect((JSON.parse(result.body) as { dedup_key: string }).dedup_key).toBe(newKey());
    }
  });

  it.each(['acknowledge', 'resolve'])('accepts a bare %s with a dedup key', (action) => {
    const result = parse({ routing_key: KEY, dedup_key: 'srv01/mysql', event_action: action });
    expect(result).toMatchObject({ ok: true, eventAction: action, dedupKey: 'srv01/mysql' });
  });

  it.each(['acknowledge', 'resolve'])('refuses a %s without a dedup key', (action) => {
    expect(errorsOf({ routing_key: KEY, event_action: action })).toEqual(["'dedup_key' is missing or blank"]);
  });

  it('names every missing field of a trigger, in PagerDuty’s words', () => {
    expect(errorsOf({ routing_key: KEY, event_action: 'trigger' })).toEqual([
      "'payload.summary' is missing or blank",
      "'payload.source' is missing or blank",
      "'payload.severity' is missing or blank",
    ]);
    expect(
      errorsOf({ event_action: 'trigger', payload: { summary: ' ', source: 's', severity: 'info' } }),
    ).toEqual(["'routing_key' is missing or blank", "'payload.summary' is missing or blank"]);
  });

  it('checks event_action and severity against their lists', () => {
    expect(errorsOf({ routing_key: KEY })).toEqual(["'event_action' is missing or blank"]);
    expect(errorsOf({ routing_key: KEY, event_action: 'snooze', dedup_key: 'k' })).toEqual([
      "'event_action' is invalid (must be one of: trigger, acknowledge, resolve)",
    ]);
    expect(errorsOf({ ...TRIGGER, payload: { ...TRIGGER.payload, severity: 'high' } })).toEqual([
      "'payload.severity' is invalid (must be one of: critical, error, warning, info)",
    ]);
  });

  it('holds the lengths PagerDuty permits', () => {
    expect(errorsOf({ ...TRIGGER, dedup_key: 'k'.repeat(256) })).toEqual([
      "'dedup_key' is too long (maximum is 255 characters)",
    ]);
    expect(errorsOf({ routing_key: KEY, event_action: 'resolve', dedup_key: 'k'.repeat(256) })).toEqual([
      "'dedup_key' is too long (maximum is 255 characters)",
    ]);
    expect(errorsOf({ ...TRIGGER, payload: { ...TRIGGER.payload, summary: 's'.repeat(1025) } })).toEqual([
      "'payload.summary' is too long (maximum is 1024 characters)",
    ]);
    expect(errorsOf({ ...TRIGGER, payload: { ...TRIGGER.payload, source: 's'.repeat(256) } })).toEqual([
      "'payload.source' is too long (maximum is 255 characters)",
    ]);
    expect(parse({ ...TRIGGER, dedup_key: 'k'.repeat(255) }).ok).toBe(true);
    expect(parse({ ...TRIGGER, payload: { ...TRIGGER.payload, summary: 's'.repeat(1024) } }).ok).toBe(true);
  });

  it.each([
    ['2015-07-17T08:42:58.315+0000', true],
    ['2015-07-17T08:42:58Z', true],
    ['2015-07-17T08:42:58.315+02:00', true],
    ['2015-07-17T08:42Z', true],
    ['2015-07-17', false],
    ['2015-02-30T08:42:58Z', false],
    ['2015-07-17T25:42:58Z', false],
    ['yesterday', false],
    [1437122578, false],
  ])('takes %j as a timestamp: %s', (timestamp, ok) => {
    const result = parse({ ...TRIGGER, payload: { ...TRIGGER.payload, timestamp } });
    expect(result.ok).toBe(ok);
    if (!result.ok) {
      expect(result.body.errors).toEqual([
        "'payload.timestamp' is invalid (must be an ISO 8601 date and time)",
      ]);
    }
  });

  it('checks the types of the optional fields of a trigger', () => {
    expect(
      errorsOf({
        ...TRIGGER,
        payload: { ...TRIGGER.payload, component: 1, group: {}, class: [] },
        client: 2,
        client_url: false,
        images: [{ href: 'x' }, 'y'],
        links: { href: 'x' },
      }),
    ).toEqual([
      "'payload.component' is invalid (must be a string)",
      "'payload.group' is invalid (must be a string)",
      "'payload.class' is invalid (must be a string)",
      "'client' is invalid (must be a string)",
      "'client_url' is invalid (must be a string)",
      "'images[0].src' is missing or blank",
      "'images[1]' is invalid (must be an object)",
      "'links' is invalid (must be an array of objects)",
    ]);
    expect(errorsOf({ ...TRIGGER, payload: 'disk full' })).toEqual([
      "'payload' is invalid (must be an object)",
    ]);
  });

  it('ignores the payload of acknowledge and resolve events, as PagerDuty does', () => {
    expect(
      parse({ routing_key: KEY, event_action: 'resolve', dedup_key: 'k', payload: 'x', links: 1 }).ok,
    ).toBe(true);
  });

  it.each([
    ['{"routing_key":', /^JSON parse error: /],
    ['', /^JSON parse error: the body is empty$/],
    ['[1,2]', /must be a JSON object/],
    ['"trigger"', /must be a JSON object/],
  ])('answers %j with PagerDuty’s "Unrecognized object"', (raw, error) => {
    const result = parse(raw);
    if (result.ok) throw new Error('the event was accepted');
    expect(result.status).toBe(400);
    expect(result.body).toMatchObject({
      status: 'Unrecognized object',
      message: 'Event object format is unrecognized',
    });
    expect(result.body.errors?.[0]).toMatch(error);
  });

  it('refuses bytes that are not UTF-8', () => {
    const result = parsePagerDutyEvent('application/json', Buffer.from([0x7b, 0xff, 0x7d]), newKey);
    expect(result).toMatchObject({
      ok: false,
      status: 400,
      body: { errors: ['JSON parse error: the body is not valid UTF-8'] },
    });
  });

  it('takes the routing key from X-Routing-Key when the body has none, as older clients send it', () => {
    const { routing_key: _omitted, ...event } = TRIGGER;
    const result = parsePagerDutyEvent('application/json', Buffer.from(JSON.stringify(event)), newKey, KEY);
    expect(result).toMatchObject({ ok: true, routingKey: KEY });
    expect(result.ok && result.body).not.toContain(KEY);
    const both = parsePagerDutyEvent(
      'application/json',
      Buffer.from(JSON.stringify(TRIGGER)),
      newKey,
      'other',
    );
    expect(both).toMatchObject({ ok: true, routingKey: KEY });
  });

  it('reads JSON whatever JSON type it is sent as, and refuses other types with 415', () => {
    for (const type of [
      'application/json; charset=utf-8',
      'application/vnd.pd+json',
      'text/plain',
      undefined,
    ]) {
      expect(parse(TRIGGER, type).ok).toBe(true);
    }
    const result = parse(TRIGGER, 'application/x-www-form-urlencoded');
    expect(result).toMatchObject({ ok: false, status: 415, body: { status: 'Unsupported media type' } });
  });
});
