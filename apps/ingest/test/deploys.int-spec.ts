import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  HEADERS,
  KV_BUCKETS,
  STREAMS,
  SUBJECTS,
  aliasIndexKey,
  deployMessageId,
  type DeployReceivedV1,
  type Envelope,
  type IntegrationIndexEntryV1,
  type ServiceAliasEntryV1,
} from '@tocsin/contracts';
import { JetStreamProvisioner, Naming } from '@tocsin/messaging';
import { runService } from '@tocsin/platform';
import { expectEventually, freePort, TEST_NATS_URL } from '@tocsin/testing';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { AliasIndexService } from '../src/deploys/alias-index.service';
import { INGEST_SERVICE } from '../src/ingest.options';
import { TokenIndexService } from '../src/tokens/token-index.service';

/**
 * ingest's deploy routes as it runs, on the real nats-server under a prefix of its own: the token
 * and alias indexes are written into their KV buckets the way normalize and deploy-tracker write
 * them, and what ingest stores is read back from the `deploys` stream.
 */
describe('ingest deploy routes against nats-server', () => {
  const prefix = `t${randomBytes(4).toString('hex')}`;
  const naming = new Naming(prefix);
  const savedEnv = { ...process.env };
  const serviceId = randomUUID();
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let provisioner: JetStreamProvisioner;
  let tokens: KV;
  let aliases: KV;
  let app: NestFastifyApplication | undefined;
  let base: string;
  let token: string;
  let entry: IntegrationIndexEntryV1;

  const deploy = (extra: object = {}) => ({
    service: 'checkout',
    description: 'v2',
    deployed_at: '2026-03-01 11:58:00',
    deployer: { name: 'ci' },
    ...extra,
  });

  async function post(
    path: string,
    body: unknown,
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  /** The deploys the stream holds for the integration, with their Nats-Msg-Id. */
  async function stored(): Promise<{ msgId: string | undefined; deploy: DeployReceivedV1 }[]> {
    const stream = naming.stream(STREAMS.deploys);
    const info = await jsm.streams.info(stream);
    const out = [];
    for (let seq = info.state.first_seq; info.state.messages > 0 && seq <= info.state.last_seq; seq++) {
      const m = await jsm.streams.getMessage(stream, { seq });
      if (!m || m.subject !== naming.subject(SUBJECTS.deployReceived())) continue;
      const deployed = m.json<Envelope<DeployReceivedV1>>().payload;
      if (deployed.integrationId === entry.integrationId) {
        out.push({ msgId: m.header.get(HEADERS.messageId), deploy: deployed });
      }
    }
    return out;
  }

  beforeAll(async () => {
    nc = await connect({ servers: TEST_NATS_URL });
    jsm = await jetstreamManager(nc);
    provisioner = new JetStreamProvisioner(nc, naming, 1);
    tokens = await provisioner.ensureKv(KV_BUCKETS.integrations);
    aliases = await provisioner.ensureKv(KV_BUCKETS.serviceAliases);
    const port = await freePort();
    Object.assign(process.env, {
      NATS_URL: TEST_NATS_URL,
      TOCSIN_PREFIX: prefix,
      INGEST_PORT: String(port),
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
    token = randomBytes(24).toString('base64url');
    entry = { integrationId: randomUUID(), kind: 'deploy', enabled: true, serviceId };
    await tokens.put(createHash('sha256').update(token).digest('hex'), JSON.stringify(entry));
    const alias: ServiceAliasEntryV1 = { serviceId, alias: 'checkout' };
    await aliases.put(aliasIndexKey('checkout'), JSON.stringify(alias));
    await expectEventually(() => {
      expect(app?.get(TokenIndexService).lookup(token)).toEqual(entry);
      expect(app?.get(AliasIndexService).lookup('CHECKOUT')).toEqual(alias);
    });
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    process.env = savedEnv;
    await provisioner?.deleteAllStreams();
    await nc?.close();
  }, 30_000);

  it('stores twenty concurrent posts of one dedup_id once, answering one ok and nineteen duplicate_deploy', async () => {
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => post(`/deploys/${token}`, deploy({ dedup_id: 'run-1' }))),
    );
    expect(answers.filter((a) => a.status === 202 && a.body['result'] === 'ok')).toHaveLength(1);
    expect(answers.filter((a) => a.status === 202 && a.body['result'] === 'duplicate_deploy')).toHaveLength(
      19,
    );
    const deploys = (await stored()).filter((d) => d.deploy.dedupId === 'run-1');
    expect(deploys).toHaveLength(1);
    expect(deploys[0]?.msgId).toBe(
      deployMessageId(entry.integrationId, deploys[0]?.deploy.deployId ?? '', 'run-1'),
    );
    expect(deploys[0]?.deploy).toMatchObject({
      source: 'opslevel',
      service: 'checkout',
      deployedAt: '2026-03-01T11:58:00.000Z',
    });
  }, 30_000);

  it('stores every post without a dedup_id as a deploy of its own', async () => {
    const before = (await stored()).length;
    const answers = await Promise.all(Array.from({ length: 5 }, () => post(`/deploys/${token}`, deploy())));
    expect(answers.map((a) => a.body)).toEqual(Array.from({ length: 5 }, () => ({ result: 'ok' })));
    expect((await stored()).length).toBe(before + 5);
  }, 30_000);

  it('follows the alias index: an alias removed there is a suggestion at the next deploy', async () => {
    await aliases.delete(aliasIndexKey('checkout'));
    await expectEventually(() => expect(app?.get(AliasIndexService).lookup('checkout')).toBeUndefined());
    expect((await post(`/deploys/${token}`, deploy())).body).toMatchObject({ result: 'no_service_found' });
  }, 30_000);

  it("stores a PagerDuty change event as a deploy of the integration's service", async () => {
    const answer = await post('/v2/change/enqueue', {
      routing_key: token,
      payload: { summary: 'Deployed v3', timestamp: '2026-03-01T12:00:00.000+0100' },
    });
    expect(answer).toEqual({ status: 202, body: { status: 'success', message: 'Change event processed' } });
    const change = (await stored()).find((d) => d.deploy.source === 'pagerduty');
    expect(change?.deploy).toMatchObject({
      serviceId,
      description: 'Deployed v3',
      deployedAt: '2026-03-01T11:00:00.000Z',
    });
    expect(JSON.stringify(change)).not.toContain(token);
  }, 30_000);

  it('answers 503 in OpsLevel’s shape, with Retry-After, when JetStream cannot store the deploy', async () => {
    await jsm.streams.delete(naming.stream(STREAMS.deploys));
    const answer = await fetch(`${base}/deploys/${token}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(deploy()),
    });
    expect(answer.status).toBe(503);
    expect(answer.headers.get('retry-after')).toBe('5');
    expect(await answer.json()).toEqual({
      errors: [
        { status: 503, title: 'Service Unavailable', detail: 'the event store is unavailable; retry later' },
      ],
    });
    await provisioner.ensureStream(STREAMS.deploys);
  }, 30_000);
});
