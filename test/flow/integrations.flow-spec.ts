import type { DryRunView, InboundMessageView, IntegrationView, Page } from '@tocsin/contracts';
import { TEMPLATES } from '@tocsin/mapping';
import { expectEventually } from '@tocsin/testing';
import { createHmac } from 'node:crypto';
import { Tocsin } from './support';

const JSON_HEADERS = { 'content-type': 'application/json' };

describe('integrations: templates, dry runs and the inbound log over HTTP', () => {
  const tocsin = new Tocsin();

  beforeAll(() => tocsin.start('integrations'), 120_000);
  afterAll(() => tocsin.stop(), 60_000);

  /** Posts one scenario payload the way its producer does; answers the hook id in the log. */
  async function send(
    integration: IntegrationView & { token: string },
    payload: unknown,
    headers: Record<string, string> = {},
  ): Promise<string> {
    if (integration.template === 'pagerduty') {
      const before = await inbound(integration.id);
      const answer = await tocsin.ingest('/v2/enqueue', {
        ...(payload as object),
        routing_key: integration.token,
      });
      expect(answer).toMatchObject({ status: 202, body: { status: 'success', message: 'Event processed' } });
      const [newest] = await expectEventually(async () => {
        const after = await inbound(integration.id);
        expect(after.length).toBe(before.length + 1);
        return after;
      });
      return newest.id;
    }
    const answer = await tocsin.hook(integration.token, payload as object, { ...JSON_HEADERS, ...headers });
    expect(answer.status).toBe(202);
    return answer.body['id'] as string;
  }

  async function inbound(integrationId: string, query = ''): Promise<InboundMessageView[]> {
    const { status, body } = await tocsin.api('GET', `/v1/integrations/${integrationId}/inbound${query}`);
    expect(status).toBe(200);
    return (body as Page<InboundMessageView>).items;
  }

  async function dryRun(integrationId: string, body: object): Promise<DryRunView> {
    const { status, body: answer } = await tocsin.api('POST', `/v1/integrations/${integrationId}/test`, body);
    expect({ status, answer }).toMatchObject({ status: 200 });
    return answer as DryRunView;
  }

  it('lists every template with its mapping and sample', async () => {
    const { status, body } = await tocsin.api('GET', '/v1/templates');
    expect(status).toBe(200);
    const names = (body as { items: { name: string; mapping: unknown; sample: unknown }[] }).items.map(
      (t) => t.name,
    );
    expect(names).toEqual(expect.arrayContaining(TEMPLATES.map((t) => t.name)));
    expect((await tocsin.api('GET', '/v1/templates/alertmanager')).body).toMatchObject({
      name: 'alertmanager',
      mapping: { each: 'alerts' },
    });
    expect((await tocsin.api('GET', '/v1/templates/nope')).status).toBe(404);
  });

  describe.each(TEMPLATES.map((t) => [t.name, t] as const))('the %s template', (name, template) => {
    it("runs its producer's scenario live, and the dry run agrees with each step first", async () => {
      const integration = await tocsin.createIntegration(`${name} scenario`, { template: name });
      expect(integration.template).toBe(name);
      expect(integration.mapping).toEqual(template.mapping);
      for (const step of template.scenario) {
        const predicted = await dryRun(integration.id, {
          payload: step.payload,
          ...(step.headers ? { headers: step.headers } : {}),
        });
        expect({ step: step.description, outcomes: predicted.events.map((e) => e.outcome) }).toEqual({
          step: step.description,
          outcomes: step.expect,
        });
        const hookId = await send(integration, step.payload, step.headers);
        const entry = await tocsin.settled(integration.id, hookId);
        expect({ step: step.description, outcomes: entry.events.map((e) => e.outcome) }).toEqual({
          step: step.description,
          outcomes: step.expect,
        });
        expect(entry.outcome).toBe(predicted.outcome);
        expect(entry.events.map((e) => e.dedupKey)).toEqual(predicted.events.map((e) => e.dedupKey));
        const touched = entry.events.filter((e) => e.outcome !== 'ignored' && e.outcome !== 'filtered');
        expect(touched.every((e) => e.incidentId !== null || e.outcome === 'unmapped')).toBe(true);
      }
    }, 60_000);
  });

  it('takes a created, disabled, enabled and rotated integration into account at ingest within a second', async () => {
    const integration = await tocsin.createIntegration('lifecycle');
    const hook = (token: string) => tocsin.hook(token, { status: 'firing', id: 'x' });
    const within = async (token: string, status: number) => {
      const started = Date.now();
      await expectEventually(async () => expect((await hook(token)).status).toBe(status), {
        timeoutMs: 1_000,
        intervalMs: 25,
      });
      return Date.now() - started;
    };
    expect(await within(integration.token, 202)).toBeLessThan(1_000);

    const disabled = await tocsin.api('POST', `/v1/integrations/${integration.id}/disable`);
    expect(disabled).toMatchObject({ status: 200, body: { enabled: false } });
    expect(await within(integration.token, 404)).toBeLessThan(1_000);

    expect((await tocsin.api('POST', `/v1/integrations/${integration.id}/enable`)).body).toMatchObject({
      enabled: true,
    });
    await within(integration.token, 202);

    const rotated = await tocsin.api('POST', `/v1/integrations/${integration.id}/rotate-token`);
    expect(rotated.status).toBe(200);
    const fresh = (rotated.body as { token: string; url: string }).token;
    expect(fresh).not.toBe(integration.token);
    expect((rotated.body as { url: string }).url).toMatch(new RegExp(`/hooks/${fresh}$`));
    expect(await within(integration.token, 404)).toBeLessThan(1_000);
    await within(fresh, 202);

    // The token is shown only when created or rotated.
    const read = await tocsin.api('GET', `/v1/integrations/${integration.id}`);
    expect(read.body).not.toHaveProperty('token');
    expect(JSON.stringify(read.body)).not.toContain(fresh);

    expect((await tocsin.api('DELETE', `/v1/integrations/${integration.id}`)).status).toBe(204);
    await within(fresh, 404);
    expect((await tocsin.api('GET', `/v1/integrations/${integration.id}`)).status).toBe(404);
  }, 30_000);

  it('refuses a mapping that does not compile, naming the bad rule', async () => {
    const badRule = await tocsin.api('POST', '/v1/integrations', {
      name: 'bad',
      kind: 'alert',
      mapping: {
        rules: [
          { action: 'open', field: 'status', equals: 'down' },
          { action: 'explode', field: 'x' },
        ],
      },
    });
    expect(badRule.status).toBe(400);
    expect(JSON.stringify(badRule.body)).toContain('rules[1]');

    const catastrophic = await tocsin.api('POST', '/v1/integrations', {
      name: 'redos',
      kind: 'alert',
      mapping: { rules: [{ action: 'open', field: 'message', matches: '(a+)+$' }] },
    });
    expect(catastrophic.status).toBe(400);
    expect(JSON.stringify(catastrophic.body)).toMatch(/rules\[0\]\.matches/);

    const unknown = await tocsin.api('POST', '/v1/integrations', {
      name: 'x',
      kind: 'alert',
      template: 'nope',
    });
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(unknown.body)).toContain('alertmanager');

    const integration = await tocsin.createIntegration('patched');
    const patch = await tocsin.api('PATCH', `/v1/integrations/${integration.id}`, {
      mapping: { rules: [{ action: 'open', field: 'a', matches: '(x*)*y' }] },
    });
    expect(patch.status).toBe(400);
    expect((await tocsin.api('GET', `/v1/integrations/${integration.id}`)).body).toMatchObject({
      template: 'generic',
    });
  }, 30_000);

  it('tries a draft mapping without saving it, and the live path then does what it said', async () => {
    const integration = await tocsin.createIntegration('draft');
    const draft = {
      filters: [{ field: 'env', equals: 'production' }],
      rules: [
        { action: 'open', field: 'check^state', in: ['CRITICAL', 'DOWN'] },
        { action: 'close', field: 'check^state', equals: 'OK' },
        { action: 'ignore', field: 'check^state', equals: 'FLAPPING' },
      ],
      dedupKey: '{{check.name}}',
      title: '{{check.name}} is {{check.state}}',
      severity: { field: 'check.level', map: { p1: 'critical' }, default: 'warning' },
    };
    const down = { env: 'production', check: { name: 'api', state: 'down', level: 'P1' } };
    const tried = await dryRun(integration.id, { payload: down, mapping: draft });
    expect(tried).toMatchObject({
      outcome: 'opened',
      events: [
        { outcome: 'opened', action: 'open', dedupKey: 'api', title: 'api is down', severity: 'critical' },
      ],
    });
    // Nothing was saved or opened.
    expect((await tocsin.api('GET', `/v1/integrations/${integration.id}`)).body).toMatchObject({
      template: 'generic',
    });
    expect(await inbound(integration.id)).toEqual([]);

    expect((await tocsin.api('PATCH', `/v1/integrations/${integration.id}`, { mapping: draft })).status).toBe(
      200,
    );
    const live = await tocsin.settled(integration.id, await send(integration, down));
    expect(live).toMatchObject({
      outcome: 'opened',
      dedupKey: 'api',
      rule: expect.stringContaining('rules[0]'),
    });

    // Filters, ignore rules and payloads no rule maps each say so, and open nothing.
    const staging = await tocsin.settled(
      integration.id,
      await send(integration, { ...down, env: 'staging' }),
    );
    expect(staging).toMatchObject({ outcome: 'filtered', detail: expect.any(String) });
    const flapping = { env: 'production', check: { name: 'api', state: 'flapping' } };
    expect(await tocsin.settled(integration.id, await send(integration, flapping))).toMatchObject({
      outcome: 'ignored',
    });
    const odd = { env: 'production', check: { name: 'api', state: 'weird' } };
    expect(await tocsin.settled(integration.id, await send(integration, odd))).toMatchObject({
      outcome: 'unmapped',
      detail: expect.stringContaining('weird'),
    });
    expect((await dryRun(integration.id, { payload: odd })).outcome).toBe('unmapped');

    // A second open of the same key would append: the dry run sees the incident opened above.
    expect(await dryRun(integration.id, { payload: down })).toMatchObject({
      outcome: 'appended',
      events: [{ incidentId: live.incidentId }],
    });
  }, 30_000);

  it('keeps an inbound log: newest first, filtered by outcome, paged, with the fallback key explained', async () => {
    const integration = await tocsin.createIntegration('log');
    const ids: string[] = [];
    for (const status of ['firing', 'weird', 'firing', 'resolved']) {
      ids.push(await send(integration, { status, title: 'No key here' }));
    }
    for (const id of ids) await tocsin.settled(integration.id, id);
    const all = await inbound(integration.id);
    expect(all.map((m) => m.id)).toEqual([...ids].reverse());
    expect(all.map((m) => m.outcome)).toEqual(['closed', 'appended', 'unmapped', 'opened']);
    const opened = all[3];
    expect(opened.dedupKey).toMatch(/^auto:/);
    expect(opened.detail).toMatch(/no dedup key/);
    expect(opened.events[0]).toMatchObject({ dedupKeyFallback: true });
    expect(opened.body).toBe(JSON.stringify({ status: 'firing', title: 'No key here' }));
    expect(opened.headers).toMatchObject({ 'content-type': 'application/json' });

    expect((await inbound(integration.id, '?outcome=unmapped')).map((m) => m.id)).toEqual([ids[1]]);

    // An entry exists from the moment ingest answered 202, whether or not normalize has seen it yet.
    const fresh = await send(integration, { status: 'firing', id: 'fresh' });
    const atOnce = await tocsin.api('GET', `/v1/integrations/${integration.id}/inbound/${fresh}`);
    expect(atOnce).toMatchObject({
      status: 200,
      body: { id: fresh, body: expect.stringContaining('fresh') },
    });
    await tocsin.settled(integration.id, fresh);
    ids.push(fresh);
    const first = await tocsin.api('GET', `/v1/integrations/${integration.id}/inbound?limit=3`);
    const page = first.body as Page<InboundMessageView>;
    expect(page.items.map((m) => m.id)).toEqual([ids[4], ids[3], ids[2]]);
    const rest = await inbound(integration.id, `?limit=3&cursor=${page.nextCursor}`);
    expect(rest.map((m) => m.id)).toEqual([ids[1], ids[0]]);
    expect((await tocsin.api('GET', `/v1/integrations/${integration.id}/inbound?outcome=nope`)).status).toBe(
      400,
    );
    expect((await tocsin.api('GET', `/v1/integrations/${integration.id}/inbound?cursor=zz`)).status).toBe(
      400,
    );
  }, 30_000);

  it('keeps every header while debugging is on, with credentials masked', async () => {
    const integration = await tocsin.createIntegration('debug');
    const on = await tocsin.api('PATCH', `/v1/integrations/${integration.id}`, { debug: true });
    expect(on.status).toBe(200);
    const until = Date.parse((on.body as IntegrationView).debugUntil ?? '');
    expect(until - Date.now()).toBeGreaterThan(47 * 3600_000);
    const id = await expectEventually(async () => {
      const hookId = await send(
        integration,
        { status: 'firing', id: 'dbg' },
        {
          'x-custom-thing': 'visible',
          authorization: 'Bearer very-secret',
        },
      );
      const entry = await tocsin.settled(integration.id, hookId);
      expect(entry.headers['x-custom-thing']).toBe('visible');
      return hookId;
    });
    const entry = await tocsin.settled(integration.id, id);
    expect(entry.headers['authorization']).toBe('[redacted]');
    expect(JSON.stringify(entry)).not.toContain('very-secret');
  }, 30_000);

  it('checks producer signatures when the integration has a secret', async () => {
    const secret = 'It is a secret to everybody';
    const integration = await tocsin.createIntegration('signed', { signing: { scheme: 'github', secret } });
    expect(integration.signing).toEqual({ scheme: 'github' });
    expect(JSON.stringify(integration)).not.toContain(secret);
    const body = JSON.stringify({ status: 'firing', id: 'signed' });
    const signature = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
    const unsigned = await tocsin.hook(integration.token, body);
    expect(unsigned.status).toBe(401);
    const forged = await tocsin.hook(integration.token, body, {
      ...JSON_HEADERS,
      'x-hub-signature-256': `sha256=${'0'.repeat(64)}`,
    });
    expect(forged.status).toBe(401);
    const signed = await tocsin.hook(integration.token, body, {
      ...JSON_HEADERS,
      'x-hub-signature-256': signature,
    });
    expect(signed.status).toBe(202);
  }, 30_000);

  it('answers hostile payloads with a bounded, clear outcome', async () => {
    const alertmanager = await tocsin.createIntegration('hostile', { template: 'alertmanager' });
    const many = {
      version: '4',
      status: 'firing',
      alerts: Array.from({ length: 10_000 }, (_, i) => ({
        status: 'firing',
        labels: { alertname: `a${i}` },
      })),
    };
    const huge = await tocsin.settled(alertmanager.id, await send(alertmanager, many));
    expect(huge).toMatchObject({ outcome: 'invalid', detail: expect.stringMatching(/10000.*1000/) });

    const generic = await tocsin.createIntegration('prototype');
    const proto =
      '{"__proto__": {"status": "firing"}, "constructor": {"prototype": {"id": "x"}}, "title": "t"}';
    const polluted = await tocsin.settled(generic.id, await send(generic, JSON.parse(proto) as object));
    expect(polluted.outcome).toBe('unmapped');

    // Deeper than JSON.stringify itself can go: written out by hand.
    const depth = 20_000;
    const deep = `{"status":"firing","id":"top","deep":${'{"nested":'.repeat(depth)}1${'}'.repeat(depth)}}`;
    const answer = await tocsin.hook(generic.token, deep);
    expect(answer.status).toBe(202);
    const nested = await tocsin.settled(generic.id, answer.body['id'] as string);
    expect(nested).toMatchObject({ outcome: 'opened', dedupKey: 'top' });
  }, 60_000);
});
