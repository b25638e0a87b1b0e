import type {
  AcceptedSuggestionView,
  DeployDetailView,
  DeployView,
  IncidentView,
  IntegrationView,
  Page,
  ServiceMetricsView,
  ServiceSuggestionView,
  ServiceView,
  SuspectDeployView,
} from '@tocsin/contracts';
import { expectEventually } from '@tocsin/testing';
import { randomUUID } from 'node:crypto';
import { Tocsin } from './support';

/**
 * A deploy in the shape of OpsLevel's documented "Custom Deploys" example: its fields, the
 * "2019-02-01 13:28:33" date form and deploy_number as a string, as OpsLevel's own clients send it.
 */
const OPSLEVEL_EXAMPLE = {
  service: 'shopping_cart_service',
  description: "Merge branch 'fix-timeout' into 'master'",
  environment: 'Production',
  deployed_at: '2019-02-01 13:28:33',
  deployer: { email: 'mscott@example.com', name: 'Michael Scott', id: 'mscott' },
  deploy_url: 'https://ci.example.com/deploys/12345',
  deploy_number: '12345',
  dedup_id: '9ac72b7d-3b6f-4a51-9a5e-ef0b4e5a8b6e',
  commit: {
    sha: '38d02f1d7aab64678a7ad3eeb2ad2887ce7253f5',
    message: "Merge branch 'fix-timeout' into 'master'",
    branch: 'master',
    date: '2019-02-01 13:20:00',
    committer_name: 'Michael Scott',
    committer_email: 'mscott@example.com',
    author_name: 'Dwight Schrute',
    author_email: 'dschrute@example.com',
    authoring_date: '2019-02-01 12:59:10',
  },
};

/** PagerDuty's own example change event (developer.pagerduty.com "Send a Change Event"). */
const PAGERDUTY_CHANGE = {
  payload: {
    summary: 'Build Success: Increase snapshot create timeout to 30 seconds',
    timestamp: '2020-07-17T08:42:58.315+0000',
    source: 'acme-build-pipeline-tool-default-i-9999',
    custom_details: { build_state: 'passed', build_number: '2', run_time: '1236s' },
  },
  links: [{ href: 'https://acme.pagerduty.dev/build/2', text: 'View more details in Acme!' }],
};

const NO_SERVICE = (alias: string) => ({
  result: 'no_service_found',
  message: `No service found matching alias '${alias}'. Recording '${alias}' as a suggestion.`,
});
const DUPLICATE = {
  result: 'duplicate_deploy',
  message: 'Deploy not created due to existing deploy with identical dedup_id',
};

type IncidentResponse = Omit<IncidentView, 'suspectDeploys'> & {
  suspectDeploys: SuspectDeployView[];
  suspectDeploysError: string | null;
};

describe('deploys over HTTP', () => {
  const tocsin = new Tocsin();
  let token: string;

  beforeAll(async () => {
    await tocsin.start('deploys');
    token = (await deployIntegration('pipelines')).token;
  }, 120_000);
  afterAll(() => tocsin.stop(), 60_000);

  async function deployIntegration(
    name: string,
    fields: object = {},
  ): Promise<IntegrationView & { token: string }> {
    const integration = await tocsin.createIntegration(name, { kind: 'deploy', ...fields });
    expect(integration.url).toMatch(new RegExp(`/deploys/${integration.token}$`));
    return integration;
  }

  const post = (body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    tocsin.ingest(`/deploys/${token}`, typeof body === 'string' ? body : JSON.stringify(body), headers);

  /** A deploy of `service` that happened `minutesAgo`, with its own dedup_id. */
  const deploy = (service: string, minutesAgo: number, extra: object = {}) => ({
    service,
    description: `deploy of ${service}`,
    deployed_at: new Date(Date.now() - minutesAgo * 60_000).toISOString(),
    deployer: { name: 'ci' },
    dedup_id: randomUUID(),
    ...extra,
  });

  async function get<T>(path: string): Promise<T> {
    const { status, body } = await tocsin.api('GET', path);
    expect({ path, status, body }).toMatchObject({ status: 200 });
    return body as T;
  }

  async function deploysOf(query: string): Promise<DeployView[]> {
    return (await get<Page<DeployView>>(`/v1/deploys?${query}&limit=500`)).items;
  }

  async function createService(name: string, aliases: string[] = []): Promise<ServiceView> {
    const { status, body } = await tocsin.api('POST', '/v1/services', { name, aliases });
    expect({ status, body }).toMatchObject({ status: 201 });
    return body as ServiceView;
  }

  /**
   * Waits until ingest's alias index knows the alias: a deploy under it answers ok. The probes are
   * dated two years back, outside every period and window the tests look at.
   */
  async function ingestKnows(alias: string): Promise<void> {
    await expectEventually(async () => {
      // A number of its own, so that the probe takes none of the service's sequence.
      const probe = await post(
        deploy(alias, 2 * 365 * 24 * 60, { description: 'probe', deploy_number: 'probe' }),
      );
      expect(probe).toEqual({ status: 202, body: { result: 'ok' } });
    });
  }

  it("records OpsLevel's example deploy, files its alias as a suggestion, and links it once accepted", async () => {
    const first = await post(OPSLEVEL_EXAMPLE);
    expect(first).toEqual({ status: 202, body: NO_SERVICE('shopping_cart_service') });

    const [recorded] = await expectEventually(async () => {
      const list = await deploysOf('service=SHOPPING_CART_SERVICE');
      expect(list).toHaveLength(1);
      return list;
    });
    expect(recorded).toMatchObject({
      serviceId: null,
      service: 'shopping_cart_service',
      environment: 'Production',
      deployNumber: '12345',
      deployedAt: '2019-02-01T13:28:33.000Z',
      description: "Merge branch 'fix-timeout' into 'master'",
      dedupId: OPSLEVEL_EXAMPLE.dedup_id,
      deployer: { email: 'mscott@example.com', name: 'Michael Scott', id: 'mscott' },
      deployUrl: 'https://ci.example.com/deploys/12345',
      source: 'opslevel',
      commit: {
        sha: '38d02f1d7aab64678a7ad3eeb2ad2887ce7253f5',
        branch: 'master',
        date: '2019-02-01T13:20:00.000Z',
        authorName: 'Dwight Schrute',
        authoringDate: '2019-02-01T12:59:10.000Z',
      },
    });

    const again = await post(OPSLEVEL_EXAMPLE);
    expect(again).toEqual({ status: 202, body: DUPLICATE });

    const suggestions = await get<Page<ServiceSuggestionView>>('/v1/service-suggestions');
    const suggestion = suggestions.items.find((s) => s.alias === 'shopping_cart_service');
    expect(suggestion).toMatchObject({ deployCount: 1, status: 'open', serviceId: null });
    expect(Date.parse(suggestion?.firstSeenAt ?? '')).toBeLessThanOrEqual(
      Date.parse(suggestion?.lastSeenAt ?? ''),
    );

    const accepted = await tocsin.api('POST', `/v1/service-suggestions/${suggestion?.id}/accept`, {
      name: 'Shopping cart',
      description: 'Carts and checkouts',
    });
    expect(accepted.status).toBe(200);
    const view = accepted.body as AcceptedSuggestionView;
    expect(view).toMatchObject({
      linkedDeploys: 1,
      suggestion: { status: 'accepted', serviceId: view.service.id },
      service: { name: 'Shopping cart', aliases: ['Shopping cart', 'shopping_cart_service'] },
    });
    expect(await deploysOf(`serviceId=${view.service.id}`)).toEqual([
      expect.objectContaining({ id: recorded?.id, serviceId: view.service.id }),
    ]);
    expect(
      (await get<Page<ServiceSuggestionView>>('/v1/service-suggestions')).items.map((s) => s.id),
    ).not.toContain(suggestion?.id);
    expect((await tocsin.api('POST', `/v1/service-suggestions/${suggestion?.id}/accept`, {})).status).toBe(
      409,
    );

    await ingestKnows('Shopping_Cart_Service');
  }, 60_000);

  it('answers what OpsLevel answers for malformed deploys, one entry per problem', async () => {
    const { deployed_at: _omitted, ...noDate } = OPSLEVEL_EXAMPLE;
    expect(await post(noDate)).toEqual({
      status: 400,
      body: {
        errors: [
          {
            status: 400,
            title: 'Missing parameter',
            detail: 'param is missing or the value is empty: deployed_at',
          },
        ],
      },
    });
    const many = await post({
      ...OPSLEVEL_EXAMPLE,
      deployed_at: 'soon',
      deployer: { id: 'x' },
      environment: 3,
    });
    expect(many.status).toBe(400);
    expect((many.body['errors'] as { detail: string }[]).map((e) => e.detail)).toEqual([
      'deployed_at is not a date: "soon"; send "2019-02-01 13:28:33" (UTC) or ISO 8601',
      'param is missing or the value is empty: deployer.email or deployer.name',
      'environment must be a string, not a number',
    ]);
    expect(await post([OPSLEVEL_EXAMPLE])).toMatchObject({
      status: 400,
      body: { errors: [{ status: 400, title: 'Unrecognized body' }] },
    });
    expect(await post('{"service":')).toMatchObject({
      status: 400,
      body: { errors: [{ title: 'Malformed body' }] },
    });
    expect(await post('payload=1', { 'content-type': 'application/x-www-form-urlencoded' })).toMatchObject({
      status: 415,
      body: { errors: [{ status: 415 }] },
    });
    const tooLarge = await post({ ...OPSLEVEL_EXAMPLE, description: 'x'.repeat(1_100_000) });
    expect(tooLarge.status).toBe(413);

    const unknown = await tocsin.ingest(`/deploys/${'x'.repeat(43)}`, JSON.stringify(OPSLEVEL_EXAMPLE));
    expect(unknown).toEqual({
      status: 404,
      body: {
        errors: [{ status: 404, title: 'Not Found', detail: 'no enabled deploy integration has this token' }],
      },
    });
    const alert = await tocsin.createIntegration('alerts, not deploys');
    expect((await tocsin.ingest(`/deploys/${alert.token}`, JSON.stringify(OPSLEVEL_EXAMPLE))).status).toBe(
      404,
    );
  }, 30_000);

  it('numbers deploys without a deploy_number gap-free under concurrent posts, and keeps those sent', async () => {
    const billing = await createService('billing', ['billing-api']);
    await ingestKnows('billing-api');
    const sent = await post(deploy('billing-api', 60, { deploy_number: '100' }));
    expect(sent).toEqual({ status: 202, body: { result: 'ok' } });
    await expectEventually(async () =>
      expect((await deploysOf(`serviceId=${billing.id}`)).map((d) => d.deployNumber)).toContain('100'),
    );
    const answers = await Promise.all(Array.from({ length: 25 }, (_, i) => post(deploy('billing', 50 - i))));
    expect(answers.every((a) => a.status === 202 && a.body['result'] === 'ok')).toBe(true);
    const numbers = await expectEventually(async () => {
      const list = await deploysOf(
        `serviceId=${billing.id}&since=${new Date(Date.now() - 55 * 60_000).toISOString()}`,
      );
      expect(list).toHaveLength(25);
      return list.map((d) => Number(d.deployNumber)).sort((a, b) => a - b);
    });
    expect(numbers).toEqual(Array.from({ length: 25 }, (_, i) => 101 + i));
  }, 60_000);

  it('records one deploy for concurrent posts of one dedup_id: one ok, the others duplicate_deploy', async () => {
    const billing = (await get<Page<ServiceView>>('/v1/services')).items.find((s) => s.name === 'billing');
    const same = deploy('billing', 1, { description: 'posted five times at once' });
    const answers = await Promise.all(Array.from({ length: 5 }, () => post(same)));
    expect(answers.filter((a) => a.body['result'] === 'ok')).toHaveLength(1);
    expect(answers.filter((a) => a.status === 202 && a.body['result'] === 'duplicate_deploy')).toHaveLength(
      4,
    );
    await expectEventually(async () => {
      const list = await deploysOf(
        `serviceId=${billing?.id}&since=${new Date(Date.now() - 2 * 60_000).toISOString()}`,
      );
      expect(list.filter((d) => d.dedupId === same.dedup_id)).toHaveLength(1);
    });
  }, 30_000);

  it('answers 202 and records the deploy while deploy-tracker is down', async () => {
    await tocsin.fleet.stop('deploy-tracker', 'SIGKILL');
    const down = deploy('billing', 0, { description: 'while deploy-tracker was down' });
    expect(await post(down)).toEqual({ status: 202, body: { result: 'ok' } });
    expect(await post(deploy('nobody-knows-me', 0))).toEqual({
      status: 202,
      body: NO_SERVICE('nobody-knows-me'),
    });
    const listing = await tocsin.api('GET', '/v1/deploys');
    expect(listing.status).toBe(503);
    expect(listing.headers.get('retry-after')).toBe('2');
    await tocsin.fleet.start('deploy-tracker');
    // Deploys the killed process held unacknowledged come back after the ack wait (30 s), and the
    // one posted while it was down may queue behind them.
    await expectEventually(
      async () => {
        const list = await deploysOf('service=billing');
        expect(list.map((d) => d.dedupId)).toContain(down.dedup_id);
      },
      { timeoutMs: 45_000 },
    );
    await expectEventually(async () =>
      expect(
        (await get<Page<ServiceSuggestionView>>('/v1/service-suggestions')).items.map((s) => s.alias),
      ).toContain('nobody-knows-me'),
    );
  }, 90_000);

  describe('deploys meet incidents', () => {
    let checkout: ServiceView;
    let alerts: IntegrationView & { token: string };
    let incident: IncidentResponse;
    const planned = {
      tooEarly: deploy('checkout-web', 150),
      earlier: deploy('checkout-web', 90, { environment: 'production' }),
      staging: deploy('checkout-web', 20, { environment: 'staging' }),
      nearest: deploy('checkout', 10),
      otherService: deploy('billing', 5),
    };

    beforeAll(async () => {
      checkout = await createService('checkout', ['checkout-web']);
      alerts = await tocsin.createIntegration('checkout monitor', {
        mapping: {
          rules: [
            { action: 'open', field: 'status', equals: 'firing' },
            { action: 'close', field: 'status', equals: 'resolved' },
          ],
          dedupKey: '{{id}}',
          title: '{{title}}',
          service: '{{service}}',
        },
      });
      await ingestKnows('checkout-web');
      for (const d of Object.values(planned)) expect((await post(d)).body).toEqual({ result: 'ok' });
      await expectEventually(
        async () => expect(await deploysOf(`serviceId=${checkout.id}`)).toHaveLength(5),
        {
          timeoutMs: 20_000,
        },
      );
    }, 60_000);

    it('attaches the deploys of the service within the window before the incident, nearest first', async () => {
      expect(
        (
          await tocsin.hook(alerts.token, {
            status: 'firing',
            id: 'p99',
            title: 'Checkout slow',
            service: 'Checkout',
          })
        ).status,
      ).toBe(202);
      const [opened] = await expectEventually(async () => {
        const list = await tocsin.incidents(`integrationId=${alerts.id}`);
        expect(list).toHaveLength(1);
        return list;
      });
      incident = await expectEventually(async () => {
        const detail = await get<IncidentResponse>(`/v1/incidents/${opened?.id}`);
        expect(detail.suspectDeploys.length).toBeGreaterThanOrEqual(3);
        return detail;
      });
      expect(incident.serviceId).toBe(checkout.id);
      expect(incident.suspectDeploysError).toBeNull();
      expect(incident.suspectDeploys.map((d) => d.dedupId)).toEqual([
        planned.nearest.dedup_id,
        planned.staging.dedup_id,
        planned.earlier.dedup_id,
      ]);
      expect(incident.suspectDeploys[0]?.reason).toMatch(
        /^deployed (9|10|11) min before the incident opened; same service \(checkout\)$/,
      );
      expect(incident.suspectDeploys[0]?.secondsBefore).toBeGreaterThanOrEqual(590);

      const nearest = incident.suspectDeploys[0];
      if (!nearest) throw new Error('no suspect deploy');
      const shown = await get<DeployDetailView>(`/v1/deploys/${nearest.id}`);
      expect(shown.incidents).toEqual([
        expect.objectContaining({
          incidentId: incident.id,
          title: 'Checkout slow',
          secondsAfter: nearest.secondsBefore,
        }),
      ]);
      expect(shown.incidentCount).toBe(1);
    }, 60_000);

    it('adds a deploy reported after the incident opened, when it happened before', async () => {
      const late = deploy('checkout', 2);
      expect((await post(late)).body).toEqual({ result: 'ok' });
      await expectEventually(async () => {
        const detail = await get<IncidentResponse>(`/v1/incidents/${incident.id}`);
        expect(detail.suspectDeploys[0]?.dedupId).toBe(late.dedup_id);
      });
    }, 30_000);

    it('reports deployment frequency, change failure rate and mean time to restore', async () => {
      const since = new Date(Date.now() - 3 * 60 * 60_000).toISOString();
      const before = await get<ServiceMetricsView>(`/v1/services/${checkout.id}/metrics?since=${since}`);
      expect(before).toMatchObject({
        serviceId: checkout.id,
        windowMinutes: 120,
        deployCount: 5,
        failedDeployCount: 4,
        changeFailureRate: 0.8,
        incidentCount: 1,
        resolvedIncidentCount: 0,
        meanTimeToRestoreSeconds: null,
      });
      expect(before.deploysPerDay).toBeCloseTo(5 / (3 / 24), 1);
      expect((await tocsin.api('POST', `/v1/incidents/${incident.id}/resolve`)).status).toBe(200);
      await expectEventually(async () => {
        const after = await get<ServiceMetricsView>(`/v1/services/${checkout.id}/metrics?since=${since}`);
        expect(after).toMatchObject({ resolvedIncidentCount: 1 });
        expect(after.meanTimeToRestoreSeconds).toBeGreaterThanOrEqual(0);
      });
      const empty = await get<ServiceMetricsView>(
        `/v1/services/${checkout.id}/metrics?since=2020-01-01T00:00:00Z&until=2020-02-01T00:00:00Z`,
      );
      expect(empty).toMatchObject({
        deployCount: 0,
        changeFailureRate: null,
        meanTimeToRestoreSeconds: null,
      });
      expect(
        (
          await tocsin.api(
            'GET',
            `/v1/services/${checkout.id}/metrics?since=2021-01-01T00:00:00Z&until=2020-01-01T00:00:00Z`,
          )
        ).status,
      ).toBe(400);
      expect((await tocsin.api('GET', `/v1/services/${checkout.id}/metrics?since=yesterday`)).status).toBe(
        400,
      );
      expect((await tocsin.api('GET', `/v1/services/${randomUUID()}/metrics`)).status).toBe(404);
    }, 30_000);

    it('still answers the incident when deploy-tracker is down, and says why suspects are missing', async () => {
      await tocsin.fleet.stop('deploy-tracker');
      try {
        const detail = await get<IncidentResponse>(`/v1/incidents/${incident.id}`);
        expect(detail.suspectDeploys).toEqual([]);
        expect(detail.suspectDeploysError).toMatch(
          /^suspect deploys unavailable: deploy-tracker is not answering/,
        );
      } finally {
        await tocsin.fleet.start('deploy-tracker');
      }
    }, 60_000);
  });

  it("records PagerDuty change events as deploys of the integration's service, answering as PagerDuty", async () => {
    const payments = await createService('payments');
    const integration = await deployIntegration('pagerduty changes', { serviceId: payments.id });
    const answer = await tocsin.ingest('/v2/change/enqueue', {
      ...PAGERDUTY_CHANGE,
      routing_key: integration.token,
    });
    expect(answer).toEqual({ status: 202, body: { status: 'success', message: 'Change event processed' } });
    const [change] = await expectEventually(async () => {
      const list = await deploysOf(`serviceId=${payments.id}`);
      expect(list).toHaveLength(1);
      return list;
    });
    expect(change).toMatchObject({
      source: 'pagerduty',
      integrationId: integration.id,
      service: null,
      description: 'Build Success: Increase snapshot create timeout to 30 seconds',
      deployedAt: '2020-07-17T08:42:58.315Z',
      deployUrl: 'https://acme.pagerduty.dev/build/2',
      deployNumber: '1',
    });
    expect(
      await tocsin.ingest('/v2/change/enqueue', { routing_key: integration.token, payload: {} }),
    ).toEqual({
      status: 400,
      body: {
        status: 'invalid event',
        message: 'Event object is invalid',
        errors: ["'payload.summary' is missing or blank"],
      },
    });
    expect(
      await tocsin.ingest('/v2/change/enqueue', { ...PAGERDUTY_CHANGE, routing_key: 'nope' }),
    ).toMatchObject({
      status: 404,
      body: { status: 'invalid event' },
    });
  }, 30_000);

  it('keeps the catalog consistent: conflicts, validation, filters, paging, dismissals', async () => {
    expect((await tocsin.api('POST', '/v1/services', { name: 'BILLING' })).status).toBe(409);
    expect(
      (await tocsin.api('POST', '/v1/services', { name: 'ledger', aliases: ['billing-api'] })).status,
    ).toBe(409);
    const invalid = await tocsin.api('POST', '/v1/services', {
      name: '',
      aliases: 'x',
      teamId: 'not-a-uuid',
      links: [{ title: 'runbook', url: 'javascript:alert(1)' }],
      owner: 'me',
    });
    expect(invalid.status).toBe(400);
    expect(JSON.stringify(invalid.body)).toMatch(/name/);
    expect(JSON.stringify(invalid.body)).toMatch(/url must be an http\(s\) URL/);
    expect(JSON.stringify(invalid.body)).toMatch(/owner should not exist/);

    const ledger = await createService('ledger');
    const patched = await tocsin.api('PATCH', `/v1/services/${ledger.id}`, {
      aliases: ['ledger-api', 'LEDGER-API'],
      links: [{ title: 'Runbook', url: 'https://wiki.example.com/ledger' }],
      teamId: randomUUID(),
    });
    expect(patched).toMatchObject({
      status: 200,
      body: {
        aliases: ['ledger', 'ledger-api'],
        links: [{ title: 'Runbook', url: 'https://wiki.example.com/ledger' }],
      },
    });
    expect((await tocsin.api('PATCH', `/v1/services/${ledger.id}`, { teamId: null })).body).toMatchObject({
      teamId: null,
    });
    expect((await tocsin.api('GET', `/v1/services/${randomUUID()}`)).status).toBe(404);
    expect((await tocsin.api('GET', '/v1/services/not-a-uuid')).status).toBe(400);

    const names: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Page<ServiceView> = await get(`/v1/services?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      names.push(...page.items.map((s) => s.name));
      cursor = page.nextCursor;
    } while (cursor);
    expect(names).toEqual(['billing', 'checkout', 'ledger', 'payments', 'Shopping cart']);

    await ingestKnows('ledger-api');
    const sha = await post(
      deploy('ledger-api', 1, { commit: { sha: 'ABCDEF0123456789' }, environment: 'Staging' }),
    );
    expect(sha.body).toEqual({ result: 'ok' });
    await expectEventually(async () => expect(await deploysOf('sha=abcdef01')).toHaveLength(1));
    expect(await deploysOf('sha=abcdef01&environment=staging')).toHaveLength(1);
    expect(await deploysOf('sha=abcdef01&environment=production')).toHaveLength(0);
    expect((await tocsin.api('GET', '/v1/deploys?sha=xyz')).status).toBe(400);
    expect((await tocsin.api('GET', '/v1/deploys?since=last-week')).status).toBe(400);
    expect((await tocsin.api('GET', '/v1/deploys?limit=501')).status).toBe(400);
    expect((await tocsin.api('GET', '/v1/deploys?cursor=!!')).status).toBe(400);
    expect((await tocsin.api('GET', `/v1/deploys/${randomUUID()}`)).status).toBe(404);

    const all: DeployView[] = [];
    cursor = null;
    do {
      const page: Page<DeployView> = await get(`/v1/deploys?limit=7${cursor ? `&cursor=${cursor}` : ''}`);
      all.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    expect(new Set(all.map((d) => d.id)).size).toBe(all.length);
    const times = all.map((d) => Date.parse(d.deployedAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));

    const stray = (await get<Page<ServiceSuggestionView>>('/v1/service-suggestions')).items.find(
      (s) => s.alias === 'nobody-knows-me',
    );
    const dismissed = await tocsin.api('POST', `/v1/service-suggestions/${stray?.id}/dismiss`);
    expect(dismissed).toMatchObject({ status: 200, body: { status: 'dismissed' } });
    expect(
      (await get<Page<ServiceSuggestionView>>('/v1/service-suggestions')).items.map((s) => s.id),
    ).not.toContain(stray?.id);
    expect(
      (await get<Page<ServiceSuggestionView>>('/v1/service-suggestions?status=dismissed')).items.map(
        (s) => s.id,
      ),
    ).toContain(stray?.id);
    expect((await tocsin.api('GET', '/v1/service-suggestions?status=maybe')).status).toBe(400);

    expect((await post(deploy('ledger-worker', 1))).body).toEqual(NO_SERVICE('ledger-worker'));
    const worker = await expectEventually(async () => {
      const found = (await get<Page<ServiceSuggestionView>>('/v1/service-suggestions')).items.find(
        (s) => s.alias === 'ledger-worker',
      );
      expect(found).toBeDefined();
      return found as ServiceSuggestionView;
    });
    const both = await tocsin.api('POST', `/v1/service-suggestions/${worker.id}/accept`, {
      serviceId: ledger.id,
      name: 'worker',
    });
    expect(both.status).toBe(400);
    const joined = await tocsin.api('POST', `/v1/service-suggestions/${worker.id}/accept`, {
      serviceId: ledger.id,
    });
    expect(joined).toMatchObject({
      status: 200,
      body: {
        linkedDeploys: 1,
        service: { id: ledger.id, aliases: ['ledger', 'ledger-api', 'ledger-worker'] },
      },
    });
    expect((await deploysOf('service=ledger-worker'))[0]?.serviceId).toBe(ledger.id);

    const removed = await tocsin.api('DELETE', `/v1/services/${ledger.id}`);
    expect(removed.status).toBe(204);
    expect((await deploysOf('sha=abcdef01'))[0]?.serviceId).toBeNull();
    expect(
      await tocsin
        .api('GET', '/v1/services', undefined)
        .then((r) => (r.body as Page<ServiceView>).items.map((s) => s.name)),
    ).not.toContain('ledger');
    const unauthorized = await fetch(`${tocsin.fleet.url('api')}/v1/deploys`);
    expect(unauthorized.status).toBe(401);
  }, 60_000);
});
