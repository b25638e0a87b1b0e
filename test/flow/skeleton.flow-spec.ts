import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { expectEventually } from '@tocsin/testing';
import { Tocsin } from './support';

describe('the walking skeleton: one webhook along the whole path', () => {
  const tocsin = new Tocsin();
  let token: string;
  let integrationId: string;

  beforeAll(async () => {
    await tocsin.start('skeleton');
    const integration = await tocsin.createIntegration('skeleton');
    token = integration.token;
    integrationId = integration.id;
    expect(integration.url).toMatch(new RegExp(`/hooks/${token}$`));
  }, 120_000);

  afterAll(() => tocsin.stop(), 60_000);

  it('opens, appends and closes an incident, and every service sees it', async () => {
    const first = await tocsin.hook(token, { status: 'firing', id: 'db-down', title: 'Database down' });
    expect(first.status).toBe(202);
    expect(first.body).toEqual({ status: 'accepted', id: expect.any(String) });

    const [opened] = await expectEventually(async () => {
      const incidents = await tocsin.incidents();
      expect(incidents).toHaveLength(1);
      return incidents;
    });
    expect(opened).toMatchObject({
      integrationId,
      dedupKey: 'db-down',
      status: 'triggered',
      title: 'Database down',
      alertCount: 1,
      number: 1,
    });

    expect(
      (await tocsin.hook(token, { status: 'firing', id: 'db-down', title: 'Database down' })).status,
    ).toBe(202);
    await expectEventually(async () =>
      expect((await tocsin.incidents())[0]).toMatchObject({ alertCount: 2 }),
    );

    const closing = await tocsin.hook(token, { status: 'resolved', id: 'db-down' });
    expect(closing.status).toBe(202);
    await expectEventually(async () =>
      expect((await tocsin.incidents())[0]).toMatchObject({
        status: 'resolved',
        resolvedAt: expect.any(String),
      }),
    );

    const byId = await tocsin.api('GET', `/v1/incidents/${opened.id}`);
    expect(byId.status).toBe(200);
    expect(byId.body).toMatchObject({ id: opened.id, status: 'resolved' });

    // notifier received and recorded each change, once.
    await expectEventually(async () => {
      const rows = await tocsin.sql<{ change: string }>(
        `SELECT change FROM notifier.incident_events WHERE incident_id = $1 ORDER BY received_at`,
        [opened.id],
      );
      expect(rows.map((r) => r.change)).toEqual(['opened', 'appended', 'resolved']);
    });

    // The inbound log holds each hook with its final outcome and the incident it touched.
    await expectEventually(async () => {
      const rows = await tocsin.sql<{ hook_id: string; outcome: string; incident_id: string }>(
        `SELECT hook_id, outcome, incident_id FROM normalize.inbound_messages ORDER BY received_at`,
      );
      expect(rows.map((r) => r.outcome)).toEqual(['opened', 'appended', 'closed']);
      expect(rows.every((r) => r.incident_id === opened.id)).toBe(true);
      expect(rows[0]?.hook_id).toBe(first.body['id']);
    });
  });

  it('treats a producer retry with the same delivery id as one webhook', async () => {
    const headers = { 'content-type': 'application/json', 'x-github-delivery': 'delivery-42' };
    const a = await tocsin.hook(token, { status: 'firing', id: 'retry-key', title: 'Retried' }, headers);
    const b = await tocsin.hook(token, { status: 'firing', id: 'retry-key', title: 'Retried' }, headers);
    expect(a.status).toBe(202);
    expect(b.body['id']).toBe(a.body['id']);
    await expectEventually(async () => {
      const incident = (await tocsin.incidents()).find((i) => i.dedupKey === 'retry-key');
      expect(incident).toMatchObject({ alertCount: 1 });
    });
  });

  it('answers bad input with a clear 4xx and keeps serving', async () => {
    const unknown = await tocsin.hook('not-a-token', { status: 'firing' });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ error: 'not_found', message: expect.any(String) });

    const malformed = await tocsin.hook(token, '{"status": "firing",');
    expect(malformed.status).toBe(400);
    expect(String(malformed.body['message'])).toMatch(/malformed JSON: .+/);

    const tooLarge = await tocsin.hook(
      token,
      JSON.stringify({ status: 'firing', pad: 'x'.repeat(1024 * 1024 + 10) }),
    );
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.body).toMatchObject({ error: 'payload_too_large' });

    const unreadable = await tocsin.hook(token, '<alert/>', { 'content-type': 'application/xml' });
    expect(unreadable.status).toBe(415);
    expect(String(unreadable.body['message'])).toMatch(/application\/xml/);

    const notUtf8 = await fetch(`${tocsin.fleet.url('ingest')}/hooks/${token}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
    });
    expect(notUtf8.status).toBe(400);

    const form = await tocsin.hook(
      token,
      `payload=${encodeURIComponent('{"status":"firing","id":"form-key"}')}`,
      {
        'content-type': 'application/x-www-form-urlencoded',
      },
    );
    expect(form.status).toBe(202);

    const unauthenticated = await fetch(`${tocsin.fleet.url('api')}/v1/incidents`);
    expect(unauthenticated.status).toBe(401);
    const badQuery = await tocsin.api('GET', '/v1/incidents?status=exploded');
    expect(badQuery.status).toBe(400);
    expect(badQuery.body).toMatchObject({ details: [expect.stringMatching(/status must be one of/)] });
    const badBody = await tocsin.api('POST', '/v1/integrations', { name: '', kind: 'pager' });
    expect(badBody.status).toBe(400);

    for (const app of ['ingest', 'api'] as const) {
      expect((await fetch(`${tocsin.fleet.url(app)}/readyz`)).status).toBe(200);
    }
  });

  it('answers 503 with Retry-After when JetStream cannot store a webhook, then recovers', async () => {
    const nc = await connect({ servers: tocsin.installation.natsUrl });
    try {
      const jsm = await jetstreamManager(nc);
      const stream = `${tocsin.installation.prefix}-hooks`;
      const config = (await jsm.streams.info(stream)).config;
      // The stream refuses every message: what a full or misconfigured JetStream does.
      await jsm.streams.update(stream, { ...config, max_msg_size: 16 });
      const refused = await tocsin.hook(token, { status: 'firing', id: 'while-refused' });
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('5');
      expect(refused.body).toMatchObject({ error: 'unavailable', message: expect.stringMatching(/retry/) });
      await jsm.streams.update(stream, config);
      expect((await tocsin.hook(token, { status: 'firing', id: 'after-refusal' })).status).toBe(202);

      // The stream disappears altogether: normalize provisions it and its consumer again.
      await jsm.streams.delete(stream);
    } finally {
      await nc.close();
    }
    await expectEventually(
      async () =>
        expect((await tocsin.hook(token, { status: 'firing', id: 'after-outage' })).status).toBe(202),
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    await expectEventually(
      async () => expect((await tocsin.incidents()).find((i) => i.dedupKey === 'after-outage')).toBeDefined(),
      { timeoutMs: 30_000, intervalMs: 250 },
    );
  }, 90_000);
});
