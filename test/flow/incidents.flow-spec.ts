import type {
  IncidentView,
  IntegrationView,
  MaintenanceWindowView,
  Page,
  TimelineEntryView,
} from '@tocsin/contracts';
import { expectEventually } from '@tocsin/testing';
import { Tocsin } from './support';

interface IncidentResponse extends IncidentView {
  alerts: { dedupKey: string; status: string; count: number; flapping: boolean }[];
  timeline: TimelineEntryView[];
  inbound: { id: string; outcome: string }[];
}

describe('the incident lifecycle over HTTP', () => {
  const tocsin = new Tocsin();

  beforeAll(() => tocsin.start('incidents'), 120_000);
  afterAll(() => tocsin.stop(), 60_000);

  const fire = (token: string, body: object) =>
    tocsin.hook(token, body).then((r) => expect(r.status).toBe(202));

  async function only(integrationId: string, query = ''): Promise<IncidentView[]> {
    return tocsin.incidents(`integrationId=${integrationId}${query}`);
  }

  async function detail(id: string): Promise<IncidentResponse> {
    const { status, body } = await tocsin.api('GET', `/v1/incidents/${id}`);
    expect(status).toBe(200);
    return body as IncidentResponse;
  }

  it('counts the same failure reported forty times as one incident with a count of forty', async () => {
    const integration = await tocsin.createIntegration('forty');
    for (let i = 0; i < 40; i++)
      await fire(integration.token, { status: 'firing', id: 'disk', title: 'Disk full' });
    const [incident] = await expectEventually(async () => {
      const list = await only(integration.id);
      expect(list).toHaveLength(1);
      expect(list[0]?.alertCount).toBe(40);
      return list;
    });
    const full = await detail(incident.id);
    expect(full.alerts).toEqual([expect.objectContaining({ dedupKey: 'disk', status: 'firing', count: 40 })]);
    await expectEventually(async () => {
      const again = await detail(full.id);
      expect(again.inbound).toHaveLength(40);
      expect(again.timeline.filter((t) => t.kind === 'event')).toHaveLength(40);
    });
  }, 60_000);

  it('gathers alerts by group key and resolves the incident when all of them have resolved', async () => {
    const integration = await tocsin.createIntegration('grouped', {
      mapping: {
        each: 'alerts',
        rules: [
          { action: 'open', field: 'status', equals: 'firing' },
          { action: 'close', field: 'status', equals: 'resolved' },
        ],
        dedupKey: '{{fingerprint}}',
        groupKey: '{{$.groupKey}}',
        title: '{{$.groupKey}}',
      },
    });
    const notify = (alerts: [string, string][]) =>
      fire(integration.token, {
        groupKey: 'db-cluster',
        alerts: alerts.map(([fingerprint, status]) => ({ fingerprint, status })),
      });
    await notify([
      ['a', 'firing'],
      ['b', 'firing'],
    ]);
    const [incident] = await expectEventually(async () => {
      const list = await only(integration.id);
      expect(list).toHaveLength(1);
      expect(list[0]?.alertCount).toBe(2);
      return list;
    });
    const id = incident.id;
    await notify([
      ['a', 'resolved'],
      ['b', 'firing'],
    ]);
    await expectEventually(async () => {
      const partial = await detail(id);
      expect(partial.status).toBe('triggered');
      expect(partial.alerts.map((a) => [a.dedupKey, a.status])).toEqual([
        ['a', 'resolved'],
        ['b', 'firing'],
      ]);
    });
    await notify([['b', 'resolved']]);
    await expectEventually(async () => expect((await detail(id)).status).toBe('resolved'));
    expect(await only(integration.id)).toHaveLength(1);
  }, 60_000);

  it('reopens a resolved incident inside the reopen window, and opens a new one without it', async () => {
    const integration = await tocsin.createIntegration('reopen');
    const patched = await tocsin.api('PATCH', `/v1/integrations/${integration.id}`, {
      incidentPolicy: { reopenWindowMinutes: 10 },
    });
    expect(
      (patched.body as IntegrationView & { incidentPolicy: { reopenWindowMinutes: number } }).incidentPolicy,
    ).toMatchObject({ reopenWindowMinutes: 10 });
    await fire(integration.token, { status: 'firing', id: 'api' });
    await expectEventually(async () => expect(await only(integration.id)).toHaveLength(1));
    await fire(integration.token, { status: 'resolved', id: 'api' });
    await expectEventually(async () => expect((await only(integration.id))[0]?.status).toBe('resolved'));
    await fire(integration.token, { status: 'firing', id: 'api' });
    await expectEventually(async () => {
      const list = await only(integration.id);
      expect(list).toHaveLength(1);
      expect(list[0]).toMatchObject({ status: 'triggered', reopenCount: 1 });
    });
  }, 60_000);

  it('lets people acknowledge, annotate and resolve, and refuses to acknowledge what is resolved', async () => {
    const integration = await tocsin.createIntegration('people');
    await fire(integration.token, { status: 'firing', id: 'q', title: 'Queue stuck' });
    const [incident] = await expectEventually(async () => {
      const list = await only(integration.id);
      expect(list).toHaveLength(1);
      return list;
    });
    const id = incident.id;
    const acked = await tocsin.api('POST', `/v1/incidents/${id}/acknowledge`);
    expect(acked).toMatchObject({
      status: 200,
      body: { status: 'acknowledged', acknowledgedBy: 'api:admin' },
    });
    const noted = await tocsin.api('POST', `/v1/incidents/${id}/notes`, {
      text: '  restarting the consumer  ',
    });
    expect(noted.status).toBe(201);
    expect((noted.body as IncidentResponse).timeline.at(-1)).toMatchObject({
      kind: 'note',
      actor: 'api:admin',
      detail: 'restarting the consumer',
    });
    expect((await tocsin.api('POST', `/v1/incidents/${id}/notes`, { text: '' })).status).toBe(400);
    const resolved = await tocsin.api('POST', `/v1/incidents/${id}/resolve`);
    expect(resolved).toMatchObject({ status: 200, body: { status: 'resolved', resolvedBy: 'api:admin' } });
    const late = await tocsin.api('POST', `/v1/incidents/${id}/acknowledge`);
    expect(late.status).toBe(409);
    expect(JSON.stringify(late.body)).toContain('already resolved');

    const timeline = await tocsin.api('GET', `/v1/incidents/${id}/timeline?limit=2`);
    const page = timeline.body as Page<TimelineEntryView>;
    expect(page.items.map((t) => t.kind)).toEqual(['event', 'action']);
    const rest = await tocsin.api('GET', `/v1/incidents/${id}/timeline?cursor=${page.nextCursor}`);
    expect((rest.body as Page<TimelineEntryView>).items.map((t) => [t.kind, t.change])).toEqual([
      ['note', null],
      ['action', 'resolved'],
    ]);
    expect(
      (await tocsin.api('POST', `/v1/incidents/00000000-0000-4000-8000-000000000000/resolve`)).status,
    ).toBe(404);
  }, 60_000);

  it('has one answer when a person acknowledges while the producer resolves: resolved', async () => {
    const integration = await tocsin.createIntegration('race');
    for (let round = 0; round < 5; round++) {
      const key = `race-${round}`;
      await fire(integration.token, { status: 'firing', id: key });
      const incident = await expectEventually(async () => {
        const open = (await only(integration.id, '&status=triggered')).find((i) => i.dedupKey === key);
        expect(open).toBeDefined();
        return open as IncidentView;
      });
      const [ack] = await Promise.all([
        tocsin.api('POST', `/v1/incidents/${incident.id}/acknowledge`),
        fire(integration.token, { status: 'resolved', id: key }),
      ]);
      expect([200, 409]).toContain(ack.status);
      await expectEventually(async () => expect((await detail(incident.id)).status).toBe('resolved'));
    }
  }, 90_000);

  it('marks a flapping alert, holds its pages, and says so once', async () => {
    const integration = await tocsin.createIntegration('flappy', {
      incidentPolicy: { flapTransitions: 2, flapWindowMinutes: 30, reopenWindowMinutes: 30 },
    });
    for (const status of ['firing', 'resolved', 'firing', 'resolved', 'firing', 'resolved', 'firing']) {
      await fire(integration.token, { status, id: 'flappy' });
    }
    await expectEventually(async () => {
      const [incident] = await only(integration.id);
      const full = await detail(incident.id);
      expect(full.alerts[0]).toMatchObject({ flapping: true, status: 'firing' });
      expect(full.timeline.filter((t) => t.change === 'flapping')).toHaveLength(1);
      expect(full.timeline.some((t) => (t.detail ?? '').includes('paging held: flapping'))).toBe(true);
    });
  }, 60_000);

  it('records incidents during maintenance without paging, and pages what is still open when it ends', async () => {
    const integration = await tocsin.createIntegration('maintained');
    const created = await tocsin.api('POST', '/v1/maintenance-windows', {
      integrationId: integration.id,
      startsAt: new Date(Date.now() - 60_000).toISOString(),
      endsAt: new Date(Date.now() + 3_600_000).toISOString(),
      reason: 'database upgrade',
    });
    expect(created.status).toBe(201);
    const window = created.body as MaintenanceWindowView;
    expect(window).toMatchObject({ createdBy: 'api:admin', ended: false });
    expect(
      (
        await tocsin.api('POST', '/v1/maintenance-windows', {
          startsAt: window.startsAt,
          endsAt: window.endsAt,
        })
      ).status,
    ).toBe(400);

    await fire(integration.token, { status: 'firing', id: 'm1', title: 'During the upgrade' });
    const [incident] = await expectEventually(async () => {
      const list = await only(integration.id);
      expect(list).toHaveLength(1);
      return list;
    });
    const id = incident.id;
    const opened = async () =>
      (
        await tocsin.sql<{ change: string }>(
          `SELECT change FROM notifier.incident_events WHERE incident_id = $1 AND change = 'opened'`,
          [id],
        )
      ).length;
    await expectEventually(async () => {
      const full = await detail(id);
      expect(full.timeline.some((t) => (t.detail ?? '').includes('paging held: maintenance'))).toBe(true);
      expect(await opened()).toBe(1);
    });

    // Ending the window early: the sweep pages what it held and is still open.
    expect((await tocsin.api('DELETE', `/v1/maintenance-windows/${window.id}`)).status).toBe(204);
    await expectEventually(async () => expect(await opened()).toBe(2), {
      timeoutMs: 30_000,
      intervalMs: 500,
    });
    const listed = await tocsin.api('GET', '/v1/maintenance-windows');
    expect((listed.body as Page<MaintenanceWindowView>).items[0]).toMatchObject({
      id: window.id,
      ended: true,
    });
  }, 60_000);

  it('filters the incident list by service and time, and refuses bad filters', async () => {
    const integration = await tocsin.createIntegration('filters', {
      mapping: {
        rules: [{ action: 'open', field: 'status', equals: 'down' }],
        dedupKey: '{{id}}',
        service: '{{service}}',
      },
    });
    await fire(integration.token, { status: 'down', id: 'x1', service: 'checkout' });
    await fire(integration.token, { status: 'down', id: 'x2', service: 'search' });
    await expectEventually(async () => expect(await only(integration.id)).toHaveLength(2));
    expect((await only(integration.id, '&service=checkout')).map((i) => i.dedupKey)).toEqual(['x1']);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect(await only(integration.id, `&since=${future}`)).toEqual([]);
    expect((await tocsin.api('GET', '/v1/incidents?since=yesterday')).status).toBe(400);
    expect((await tocsin.api('GET', '/v1/incidents?status=sleeping')).status).toBe(400);
  }, 60_000);
});
