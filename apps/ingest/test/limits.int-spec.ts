import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  KV_BUCKETS,
  STREAMS,
  SUBJECTS,
  type IntegrationIndexEntryV1,
  type IntegrationKind,
} from '@tocsin/contracts';
import { JetStreamProvisioner, Naming } from '@tocsin/messaging';
import { runService } from '@tocsin/platform';
import { expectEventually, freePort, TEST_NATS_URL } from '@tocsin/testing';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { INGEST_SERVICE } from '../src/ingest.options';
import { TokenIndexService } from '../src/tokens/token-index.service';

/**
 * ingest's rate limits and its bound on publishes waiting for JetStream, on the real nats-server,
 * with small limits: 1 event a second and bursts of 3 per integration, 2 publishes in flight.
 */
describe('ingest limits against nats-server', () => {
  const prefix = `t${randomBytes(4).toString('hex')}`;
  const naming = new Naming(prefix);
  const savedEnv = { ...process.env };
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let provisioner: JetStreamProvisioner;
  let kv: KV;
  let app: NestFastifyApplication | undefined;
  let base: string;

  async function integration(kind: IntegrationKind = 'alert'): Promise<{ token: string; id: string }> {
    const token = randomBytes(24).toString('base64url');
    const entry: IntegrationIndexEntryV1 = { integrationId: randomUUID(), kind, enabled: true };
    await kv.put(createHash('sha256').update(token).digest('hex'), JSON.stringify(entry));
    const index = app?.get(TokenIndexService);
    await expectEventually(() => expect(index?.lookup(token)).toEqual(entry), {
      timeoutMs: 2_000,
      intervalMs: 10,
    });
    return { token, id: entry.integrationId };
  }

  async function post(
    path: string,
    body: object,
  ): Promise<{ status: number; body: Record<string, unknown>; retryAfter: string | null }> {
    const response = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return {
      status: response.status,
      body: (await response.json()) as Record<string, unknown>,
      retryAfter: response.headers.get('retry-after'),
    };
  }

  async function storedHooks(integrationId: string): Promise<number> {
    const info = await jsm.streams.info(naming.stream(STREAMS.hooks), {
      subjects_filter: naming.subject(SUBJECTS.hookReceived(integrationId)),
    });
    return info.state.subjects?.[naming.subject(SUBJECTS.hookReceived(integrationId))] ?? 0;
  }

  const LIMIT = { rate: 1, burst: 3 };

  beforeAll(async () => {
    nc = await connect({ servers: TEST_NATS_URL });
    jsm = await jetstreamManager(nc);
    provisioner = new JetStreamProvisioner(nc, naming, 1);
    kv = await provisioner.ensureKv(KV_BUCKETS.integrations);
    await provisioner.ensureStream(STREAMS.hooks);
    await provisioner.ensureStream(STREAMS.deploys);
    const port = await freePort();
    Object.assign(process.env, {
      NATS_URL: TEST_NATS_URL,
      TOCSIN_PREFIX: prefix,
      INGEST_PORT: String(port),
      INGEST_RATE_PER_INTEGRATION: String(LIMIT.rate),
      INGEST_BURST_PER_INTEGRATION: String(LIMIT.burst),
      INGEST_RATE_TOTAL: '1000',
      INGEST_BURST_TOTAL: '1000',
      INGEST_MAX_PENDING_PUBLISHES: '2',
      LOG_LEVEL: 'silent',
    });
    const exit = jest.spyOn(process, 'exit').mockImplementation((code) => {
      throw new Error(`ingest did not start (exit ${String(code)}); see the error above`);
    });
    try {
      app = await runService(INGEST_SERVICE);
    } finally {
      exit.mockRestore();
    }
    base = `http://127.0.0.1:${port}`;
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    process.env = savedEnv;
    await provisioner?.deleteAllStreams();
    await nc?.close();
  }, 30_000);

  it('answers 429 with the limit and Retry-After over the burst, admits a resolve, and leaves other integrations alone', async () => {
    const noisy = await integration();
    const quiet = await integration();
    const firing = { status: 'firing', alerts: [{ labels: { alertname: 'DiskFull' } }] };
    for (let i = 0; i < LIMIT.burst; i++) {
      expect((await post(`/hooks/${noisy.token}`, firing)).status).toBe(202);
    }
    const refused = await post(`/hooks/${noisy.token}`, firing);
    expect(refused.status).toBe(429);
    expect(refused.retryAfter).toBe('1');
    expect(refused.body).toEqual({
      error: 'rate_limited',
      message: expect.stringMatching(/this integration's rate limit is reached/) as unknown,
      limit: { bucket: 'integration', ...LIMIT },
    });

    const resolved = await post(`/hooks/${noisy.token}`, { ...firing, status: 'resolved' });
    expect(resolved.status).toBe(202);
    expect((await post(`/hooks/${quiet.token}`, firing)).status).toBe(202);
    expect(await storedHooks(noisy.id)).toBe(LIMIT.burst + 1);
    expect(await storedHooks(quiet.id)).toBe(1);

    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(
      /tocsin_ingest_rate_limited_total\{route="hooks",bucket="integration"[^}]*\} 1\n/,
    );
    expect(metrics).toMatch(
      /tocsin_ingest_admitted_over_limit_total\{route="hooks",bucket="integration"[^}]*\} 1\n/,
    );
  }, 30_000);

  it("answers 429 in PagerDuty's shape on /v2/enqueue and always admits resolve and acknowledge", async () => {
    const i = await integration();
    const trigger = {
      routing_key: i.token,
      event_action: 'trigger',
      dedup_key: 'disk',
      payload: { summary: 'disk full', source: 'db-1', severity: 'critical' },
    };
    for (let n = 0; n < LIMIT.burst; n++) expect((await post('/v2/enqueue', trigger)).status).toBe(202);
    const refused = await post('/v2/enqueue', trigger);
    expect(refused).toMatchObject({
      status: 429,
      retryAfter: '1',
      body: { status: 'throttle event', limit: { bucket: 'integration', ...LIMIT } },
    });
    for (const action of ['acknowledge', 'resolve']) {
      const r = await post('/v2/enqueue', { routing_key: i.token, event_action: action, dedup_key: 'disk' });
      expect(r.status).toBe(202);
    }
    expect(await storedHooks(i.id)).toBe(LIMIT.burst + 2);
  }, 30_000);

  it("answers 429 in OpsLevel's shape on /deploys/{token}", async () => {
    const i = await integration('deploy');
    const deploy = {
      service: 'checkout',
      description: 'v2',
      deployed_at: '2026-03-01 11:58:00',
      deployer: { name: 'ci' },
    };
    for (let n = 0; n < LIMIT.burst; n++) {
      expect((await post(`/deploys/${i.token}`, deploy)).status).toBe(202);
    }
    const refused = await post(`/deploys/${i.token}`, deploy);
    expect(refused).toMatchObject({
      status: 429,
      retryAfter: '1',
      body: {
        errors: [
          {
            status: 429,
            title: 'Too Many Requests',
            meta: { limit: { bucket: 'integration', ...LIMIT } },
          },
        ],
      },
    });
  }, 30_000);

  it('answers 503 with Retry-After at once while INGEST_MAX_PENDING_PUBLISHES publishes wait for JetStream', async () => {
    const i = await integration();
    const subject = naming.subject(SUBJECTS.hookReceived(i.id));
    // No stream, and a subscriber that never answers: each publish waits for an ack that never comes.
    await jsm.streams.delete(naming.stream(STREAMS.hooks));
    const silent = nc.subscribe(subject);
    await nc.flush();
    try {
      const waiting = [post(`/hooks/${i.token}`, {}), post(`/hooks/${i.token}`, {})];
      await expectEventually(() => expect(silent.getReceived()).toBe(2), { timeoutMs: 3_000 });
      const started = Date.now();
      const refused = await post(`/hooks/${i.token}`, {});
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(refused).toMatchObject({
        status: 503,
        retryAfter: '1',
        body: {
          error: 'unavailable',
          message: expect.stringMatching(/too many events are waiting/) as unknown,
        },
      });
      // The waiting ones end as the store's own 503 once the publish times out.
      for (const r of await Promise.all(waiting)) expect(r).toMatchObject({ status: 503, retryAfter: '5' });
    } finally {
      silent.unsubscribe();
      await provisioner.ensureStream(STREAMS.hooks);
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect((await post(`/hooks/${i.token}`, {})).status).toBe(202);
  }, 30_000);
});
