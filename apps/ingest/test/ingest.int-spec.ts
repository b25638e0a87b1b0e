import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  HEADERS,
  KV_BUCKETS,
  STREAMS,
  SUBJECTS,
  type Envelope,
  type HookReceivedV1,
  type IntegrationIndexEntryV1,
} from '@tocsin/contracts';
import { JetStreamProvisioner, Naming } from '@tocsin/messaging';
import { runService } from '@tocsin/platform';
import { expectEventually, freePort, TEST_NATS_URL } from '@tocsin/testing';
import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { INGEST_SERVICE } from '../src/ingest.options';
import { TokenIndexService } from '../src/tokens/token-index.service';

/**
 * ingest as it runs (runService with its own options: raw bodies, body limit, error filter) on
 * the real nats-server, under a prefix of its own; the token index is written straight into the
 * KV bucket the way normalize writes it.
 */
describe('ingest over HTTP against nats-server', () => {
  const prefix = `t${randomBytes(4).toString('hex')}`;
  const naming = new Naming(prefix);
  const BODY_LIMIT = 4096;
  const savedEnv = { ...process.env };
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let provisioner: JetStreamProvisioner;
  let kv: KV;
  let app: NestFastifyApplication | undefined;
  let base: string;

  interface TestIntegration {
    token: string;
    entry: IntegrationIndexEntryV1;
  }

  async function integration(extra: Partial<IntegrationIndexEntryV1> = {}): Promise<TestIntegration> {
    const token = randomBytes(24).toString('base64url');
    const entry: IntegrationIndexEntryV1 = {
      integrationId: randomUUID(),
      kind: 'alert',
      enabled: true,
      ...extra,
    };
    await kv.put(sha256(token), JSON.stringify(entry));
    await seenByIngest(token, entry);
    return { token, entry };
  }

  /** Changes an integration in the KV bucket; ingest sees it through its watch. */
  async function update(i: TestIntegration, changes: Partial<IntegrationIndexEntryV1>): Promise<void> {
    i.entry = { ...i.entry, ...changes };
    await kv.put(sha256(i.token), JSON.stringify(i.entry));
  }

  async function seenByIngest(token: string, entry: IntegrationIndexEntryV1): Promise<void> {
    const index = app?.get(TokenIndexService);
    await expectEventually(() => expect(index?.lookup(token)).toEqual(entry), {
      timeoutMs: 2_000,
      intervalMs: 10,
    });
  }

  /** The hooks the stream holds for one integration, with their Nats-Msg-Id. */
  async function stored(
    integrationId: string,
  ): Promise<{ msgId: string | undefined; hook: HookReceivedV1 }[]> {
    const stream = naming.stream(STREAMS.hooks);
    const subject = naming.subject(SUBJECTS.hookReceived(integrationId));
    const info = await jsm.streams.info(stream);
    const out = [];
    for (let seq = info.state.first_seq; info.state.messages > 0 && seq <= info.state.last_seq; seq++) {
      const m = await jsm.streams.getMessage(stream, { seq });
      if (!m || m.subject !== subject) continue;
      out.push({ msgId: m.header.get(HEADERS.messageId), hook: m.json<Envelope<HookReceivedV1>>().payload });
    }
    return out;
  }

  async function post(
    path: string,
    body: string | object,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
    const response = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return {
      status: response.status,
      body: (await response.json()) as Record<string, unknown>,
      headers: response.headers,
    };
  }

  const githubSignature = (secret: string, body: string) =>
    `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

  beforeAll(async () => {
    nc = await connect({ servers: TEST_NATS_URL });
    jsm = await jetstreamManager(nc);
    provisioner = new JetStreamProvisioner(nc, naming, 1);
    kv = await provisioner.ensureKv(KV_BUCKETS.integrations);
    const port = await freePort();
    Object.assign(process.env, {
      NATS_URL: TEST_NATS_URL,
      TOCSIN_PREFIX: prefix,
      INGEST_PORT: String(port),
      INGEST_BODY_LIMIT: String(BODY_LIMIT),
      LOG_LEVEL: 'silent',
    });
    // runService exits the process when ingest cannot start; here that fails the suite instead,
    // so that afterAll still removes the streams.
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

  describe('POST /hooks/{token}', () => {
    it('stores a hook with a valid GitHub signature and answers its id', async () => {
      const secret = randomBytes(16).toString('hex');
      const i = await integration({ signatureScheme: 'github', signingSecret: secret });
      const body = JSON.stringify({ action: 'completed', workflow_run: { conclusion: 'failure' } });
      const r = await post(`/hooks/${i.token}`, body, {
        'x-hub-signature-256': githubSignature(secret, body),
        'x-github-event': 'workflow_run',
      });
      expect(r.status).toBe(202);
      expect(r.body).toEqual({ status: 'accepted', id: expect.any(String) as unknown });
      const hooks = await stored(i.entry.integrationId);
      expect(hooks).toHaveLength(1);
      expect(hooks[0]?.msgId).toBe(r.body['id']);
      expect(hooks[0]?.hook).toMatchObject({
        hookId: r.body['id'],
        integrationId: i.entry.integrationId,
        body,
        route: 'hooks',
        headers: { 'content-type': 'application/json', 'x-github-event': 'workflow_run' },
      });
      expect(hooks[0]?.hook.headers).not.toHaveProperty('x-hub-signature-256');
    }, 15_000);

    it('refuses a bad signature with 401 and stores nothing', async () => {
      const i = await integration({ signatureScheme: 'github', signingSecret: 'right' });
      const body = '{"state":"FAILED"}';
      const wrong = await post(`/hooks/${i.token}`, body, {
        'x-hub-signature-256': githubSignature('wrong', body),
      });
      expect(wrong.status).toBe(401);
      expect(wrong.body).toEqual({
        error: 'unauthorized',
        message: 'the X-Hub-Signature-256 signature does not match the body; check the webhook secret',
      });
      const missing = await post(`/hooks/${i.token}`, body);
      expect(missing.status).toBe(401);
      expect(missing.body['message']).toMatch(/header is missing/);
      expect(await stored(i.entry.integrationId)).toHaveLength(0);
    }, 15_000);

    it('stores a retried delivery (same X-GitHub-Delivery) once and answers both with its id', async () => {
      const i = await integration();
      const headers = { 'x-github-delivery': randomUUID() };
      const first = await post(`/hooks/${i.token}`, { state: 'FAILED' }, headers);
      const retry = await post(`/hooks/${i.token}`, { state: 'FAILED' }, headers);
      expect(first.status).toBe(202);
      expect(retry).toMatchObject({ status: 202, body: first.body });
      expect(await stored(i.entry.integrationId)).toHaveLength(1);
    }, 15_000);

    it('keeps every header, credentials masked, while the debug switch is on', async () => {
      const i = await integration();
      await update(i, { debugUntil: new Date(Date.now() + 60_000).toISOString() });
      await seenByIngest(i.token, i.entry);
      const r = await post(`/hooks/${i.token}`, {}, { authorization: 'Bearer s3cr3t', 'x-trace-id': 'abc' });
      expect(r.status).toBe(202);
      const [hook] = await stored(i.entry.integrationId);
      expect(hook?.hook.headers).toMatchObject({ authorization: '[redacted]', 'x-trace-id': 'abc' });
      expect(JSON.stringify(hook)).not.toContain('s3cr3t');
    }, 15_000);

    it('answers 413 for a body over the limit', async () => {
      const i = await integration();
      const r = await post(`/hooks/${i.token}`, { pad: 'x'.repeat(BODY_LIMIT) });
      expect(r.status).toBe(413);
      expect(await stored(i.entry.integrationId)).toHaveLength(0);
    }, 15_000);

    it('answers 404 within a second of the integration being disabled', async () => {
      const i = await integration();
      expect((await post(`/hooks/${i.token}`, {})).status).toBe(202);
      await update(i, { enabled: false });
      await expectEventually(async () => expect((await post(`/hooks/${i.token}`, {})).status).toBe(404), {
        timeoutMs: 1_000,
        intervalMs: 50,
      });
    }, 15_000);
  });

  describe('POST /v2/enqueue (PagerDuty Events API v2)', () => {
    const trigger = (routingKey: string) => ({
      routing_key: routingKey,
      event_action: 'trigger',
      payload: { summary: 'DISK at 99% on db-1', source: 'db-1', severity: 'critical' },
    });

    it('stores a trigger without dedup_key under a key it makes, and answers that key', async () => {
      const i = await integration();
      const r = await post('/v2/enqueue', trigger(i.token));
      expect(r.status).toBe(202);
      expect(r.body).toEqual({
        status: 'success',
        message: 'Event processed',
        dedup_key: expect.stringMatching(/^[0-9a-f]{32}$/) as unknown,
      });
      const hooks = await stored(i.entry.integrationId);
      expect(hooks).toHaveLength(1);
      expect(hooks[0]?.hook.route).toBe('pagerduty');
      expect(hooks[0]?.msgId).toBe(hooks[0]?.hook.hookId);
      const event = JSON.parse(hooks[0]?.hook.body ?? '') as Record<string, unknown>;
      expect(event).toMatchObject({ dedup_key: r.body['dedup_key'], event_action: 'trigger' });
      expect(hooks[0]?.hook.body).not.toContain(i.token);
    }, 15_000);

    it('keeps the dedup key a producer sends, for resolves too', async () => {
      const i = await integration();
      const r = await post('/v2/enqueue', {
        routing_key: i.token,
        event_action: 'resolve',
        dedup_key: 'srv01/HTTP',
      });
      expect(r).toMatchObject({ status: 202, body: { dedup_key: 'srv01/HTTP' } });
      expect(await stored(i.entry.integrationId)).toHaveLength(1);
    }, 15_000);

    it("answers invalid events 400 with PagerDuty's body and stores nothing", async () => {
      const i = await integration();
      const r = await post('/v2/enqueue', { routing_key: i.token, event_action: 'trigger', payload: {} });
      expect(r.status).toBe(400);
      expect(r.body).toEqual({
        status: 'invalid event',
        message: 'Event object is invalid',
        errors: [
          "'payload.summary' is missing or blank",
          "'payload.source' is missing or blank",
          "'payload.severity' is missing or blank",
        ],
      });
      const ack = await post('/v2/enqueue', { routing_key: i.token, event_action: 'acknowledge' });
      expect(ack).toMatchObject({ status: 400, body: { errors: ["'dedup_key' is missing or blank"] } });
      const malformed = await post('/v2/enqueue', '{"routing_key":');
      expect(malformed.status).toBe(400);
      expect(malformed.body).toMatchObject({
        status: 'Unrecognized object',
        message: 'Event object format is unrecognized',
        errors: [expect.stringMatching(/^JSON parse error: /) as unknown],
      });
      expect(await stored(i.entry.integrationId)).toHaveLength(0);
    }, 15_000);

    it('answers 404 in the same shape for a routing key of no enabled integration', async () => {
      const r = await post('/v2/enqueue', trigger(randomBytes(16).toString('hex')));
      expect(r.status).toBe(404);
      expect(r.body).toMatchObject({
        status: 'invalid event',
        errors: [expect.stringMatching(/routing key/)],
      });
      const i = await integration();
      await update(i, { enabled: false });
      await expectEventually(
        async () => expect((await post('/v2/enqueue', trigger(i.token))).status).toBe(404),
        {
          timeoutMs: 1_000,
          intervalMs: 50,
        },
      );
    }, 15_000);

    it('answers 413 for a body over the limit and 415 for a type it cannot read', async () => {
      const i = await integration();
      const big = {
        ...trigger(i.token),
        payload: { ...trigger(i.token).payload, custom_details: 'x'.repeat(BODY_LIMIT) },
      };
      expect((await post('/v2/enqueue', big)).status).toBe(413);
      const form = await post('/v2/enqueue', 'routing_key=x', {
        'content-type': 'application/x-www-form-urlencoded',
      });
      expect(form.status).toBe(415);
      expect(await stored(i.entry.integrationId)).toHaveLength(0);
    }, 15_000);
  });

  describe('while JetStream cannot store', () => {
    it('answers 503 with Retry-After on both routes while JetStream cannot store, and 202 once it can', async () => {
      const i = await integration();
      const event = { routing_key: i.token, event_action: 'resolve', dedup_key: 'k' };
      await jsm.streams.delete(naming.stream(STREAMS.hooks));
      try {
        const hook = await post(`/hooks/${i.token}`, {});
        expect(hook).toMatchObject({ status: 503, body: { error: 'unavailable' } });
        expect(hook.headers.get('retry-after')).toBe('5');
        const pd = await post('/v2/enqueue', event);
        expect(pd).toMatchObject({ status: 503, body: { status: 'unavailable' } });
        expect(pd.headers.get('retry-after')).toBe('5');
      } finally {
        await provisioner.ensureStream(STREAMS.hooks);
      }
      expect((await post('/v2/enqueue', event)).status).toBe(202);
    }, 30_000);
  });
});

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
