import { Controller, Module, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, Payload } from '@nestjs/microservices';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  CONSUMERS,
  HEADERS,
  HookOutcome,
  HookReceived,
  IdRequest,
  RPC,
  STREAMS,
  SUBJECTS,
  type Envelope,
  type HookOutcomeV1,
  type HookReceivedV1,
} from '@tocsin/contracts';
import { deleteInstallationStreams, expectEventually, TEST_NATS_URL } from '@tocsin/testing';
import { PinoLogger } from 'nestjs-pino';
import { randomBytes, randomUUID } from 'node:crypto';
import {
  connectNats,
  JetStreamContext,
  JetStreamProvisioner,
  JetStreamPublisher,
  JetStreamServer,
  Naming,
  OnRequest,
  OnStream,
  PoisonMessageError,
  PublishFailedError,
  RethrowRpcFilter,
  RpcClient,
  RpcFailure,
  RpcUnavailableError,
} from '../src';
import { readDeadLetters } from './dead-letters';

/** What the handlers saw: deliveries per hook id. */
const seen = new Map<string, number>();
/** orderedSections: when each message's handler started, and the order its section ran in. */
const sectionLog: string[] = [];
let sectionsRunning = 0;
let sectionsOverlapMax = 0;
/** The delivery count each run of the outage handler saw. */
const outageDeliveries: number[] = [];

@Controller()
class ProbeHandlers {
  @OnStream(CONSUMERS.normalizeHooks, { messageType: HookReceived, concurrency: 4 })
  async handle(@Payload() envelope: Envelope<HookReceivedV1>, @Ctx() ctx: JetStreamContext): Promise<void> {
    // Handlers run after the transport's own awaits, as a real one would.
    await Promise.resolve();
    const id = envelope.payload.hookId;
    seen.set(id, (seen.get(id) ?? 0) + 1);
    if (id.startsWith('flaky-') && ctx.deliveryCount < 3) throw new Error('database briefly away');
    if (id.startsWith('outage-')) {
      outageDeliveries.push(ctx.deliveryCount);
      // The database is away for longer than the deliveries' backoff would last.
      if (outageDeliveries.length <= CONSUMERS.normalizeHooks.maxDeliver + 1)
        throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    }
    if (id.startsWith('poison-')) throw new PoisonMessageError('refers to nothing');
    if (id.startsWith('broken-')) throw new Error('always fails');
  }

  @OnStream(CONSUMERS.normalizeOutcomes, { messageType: HookOutcome, concurrency: 8, orderedSections: true })
  async outcome(@Payload() envelope: Envelope<HookOutcomeV1>, @Ctx() ctx: JetStreamContext): Promise<void> {
    const { hookId, index } = envelope.payload;
    sectionsRunning += 1;
    sectionsOverlapMax = Math.max(sectionsOverlapMax, sectionsRunning);
    // The part outside the section: later messages finish it sooner.
    await new Promise((r) => setTimeout(r, 60 - index * 6));
    sectionsRunning -= 1;
    if (hookId === 'section-flaky' && ctx.deliveryCount < 2) throw new Error('briefly away');
    await ctx.inOrder(() => {
      sectionLog.push(`${hookId}:${index}`);
      return Promise.resolve();
    });
  }

  @OnRequest(RPC.normalize.getIntegration, IdRequest)
  get(@Payload() request: IdRequest): { id: string } {
    if (request.id === '00000000-0000-4000-8000-000000000000')
      throw RpcFailure.notFound('integration', request.id);
    return { id: request.id };
  }
}

@Module({ controllers: [ProbeHandlers] })
class ProbeModule {}

describe('JetStream transport against nats-server', () => {
  const prefix = `t${randomBytes(4).toString('hex')}`;
  const naming = new Naming(prefix);
  const integrationId = randomUUID();
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let provisioner: JetStreamProvisioner;
  let publisher: JetStreamPublisher;
  let app: INestMicroservice;

  const hook = (hookId: string): HookReceivedV1 => ({
    hookId,
    integrationId,
    receivedAt: new Date().toISOString(),
    contentType: 'application/json',
    headers: {},
    body: '{}',
  });
  const send = (hookId: string) =>
    publisher.publish(SUBJECTS.hookReceived(integrationId), HookReceived, hook(hookId), {
      messageId: hookId,
      headers: { [HEADERS.hookId]: hookId },
    });

  const deadLetters = () => readDeadLetters(jsm, naming);

  beforeAll(async () => {
    nc = await connectNats({ servers: TEST_NATS_URL, prefix, service: 'probe', streamReplicas: 1 });
    jsm = await jetstreamManager(nc);
    provisioner = new JetStreamProvisioner(nc, naming, 1);
    publisher = new JetStreamPublisher(nc, naming);
    const server = new JetStreamServer({
      nc,
      naming,
      provisioner,
      publisher,
      logger: new PinoLogger({ pinoHttp: { level: 'silent' } }),
      service: 'probe',
    });
    app = await NestFactory.createMicroservice(ProbeModule, { strategy: server, logger: false });
    app.useGlobalFilters(new RethrowRpcFilter());
    await app.listen();
  });

  afterAll(async () => {
    await app.close();
    await nc.drain();
    await deleteInstallationStreams(prefix);
  });

  it('provisions streams and durable consumers idempotently, under the prefix', async () => {
    await provisioner.ensureAllStreams();
    await provisioner.ensureConsumer(CONSUMERS.normalizeHooks);
    const stream = await jsm.streams.info(naming.stream(STREAMS.hooks));
    expect(stream.config.subjects).toEqual([`${prefix}.hooks.received.>`]);
    const consumer = await jsm.consumers.info(stream.config.name, naming.durable(CONSUMERS.normalizeHooks));
    expect(consumer.config).toMatchObject({
      ack_policy: 'explicit',
      max_deliver: -1,
      filter_subject: `${prefix}.hooks.received.>`,
    });
  });

  it('drops a second publish with the same message id', async () => {
    const first = await send('dedup-1');
    const second = await send('dedup-1');
    expect(first.duplicate).toBe(false);
    expect(second).toEqual({ sequence: first.sequence, duplicate: true });
    await expectEventually(() => expect(seen.get('dedup-1')).toBe(1));
  });

  it('retries a transient failure with backoff until the handler succeeds, then acks', async () => {
    await send('flaky-1');
    await expectEventually(() => expect(seen.get('flaky-1')).toBe(3), { timeoutMs: 15_000 });
    await expectEventually(async () => {
      const info = await jsm.consumers.info(
        naming.stream(STREAMS.hooks),
        naming.durable(CONSUMERS.normalizeHooks),
      );
      expect(info.num_ack_pending).toBe(0);
    });
    expect((await deadLetters()).find((d) => d.hookId === 'flaky-1')).toBeUndefined();
  });

  it('runs a handler again in place while the database is unreachable, spending no delivery, then acks', async () => {
    await send('outage-1');
    const runs = CONSUMERS.normalizeHooks.maxDeliver + 2;
    await expectEventually(() => expect(seen.get('outage-1')).toBe(runs), { timeoutMs: 30_000 });
    // One delivery throughout: the outage did not count towards dead-lettering the message.
    expect(outageDeliveries).toEqual(Array.from({ length: runs }, () => 1));
    await expectEventually(async () => {
      const info = await jsm.consumers.info(
        naming.stream(STREAMS.hooks),
        naming.durable(CONSUMERS.normalizeHooks),
      );
      expect(info.num_ack_pending).toBe(0);
    });
    expect((await deadLetters()).find((d) => d.hookId === 'outage-1')).toBeUndefined();
  }, 40_000);

  it('dead-letters a poison message at once, with the reason in its headers', async () => {
    await send('poison-1');
    const letter = await expectEventually(async () => {
      const found = (await deadLetters()).find((d) => d.hookId === 'poison-1');
      expect(found).toBeDefined();
      return found;
    });
    expect(letter).toMatchObject({
      consumer: 'normalize-hooks',
      reason: expect.stringMatching(/^poison: .*refers to nothing/),
    });
    expect(seen.get('poison-1')).toBe(1);
  });

  it('dead-letters a message whose envelope breaks the contract, without calling the handler', async () => {
    await publisher.publishRaw(SUBJECTS.hookReceived(integrationId), '{"id":"x","type":"hook.received"}', {
      [HEADERS.hookId]: 'malformed-1',
    });
    const letter = await expectEventually(async () => {
      const found = (await deadLetters()).find((d) => d.hookId === 'malformed-1');
      expect(found).toBeDefined();
      return found;
    });
    expect(letter?.reason).toMatch(/poison: InvalidMessageError/);
    expect(seen.has('malformed-1')).toBe(false);
  });

  it('dead-letters a message that fails every delivery, after the last one', async () => {
    await send('broken-1');
    const letter = await expectEventually(
      async () => {
        const found = (await deadLetters()).find((d) => d.hookId === 'broken-1');
        expect(found).toBeDefined();
        return found;
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    expect(letter?.reason).toMatch(/failed 5 deliveries: Error: always fails/);
    expect(seen.get('broken-1')).toBe(CONSUMERS.normalizeHooks.maxDeliver);
    // Terminated once its dead letter was stored: nothing stays pending to be delivered again.
    await expectEventually(async () => {
      const info = await jsm.consumers.info(
        naming.stream(STREAMS.hooks),
        naming.durable(CONSUMERS.normalizeHooks),
      );
      expect(info.num_ack_pending).toBe(0);
    });
  }, 40_000);

  it('runs the ordered sections of one key in stream order and the rest of the handlers at once', async () => {
    const send = (hookId: string, index: number, key: string) =>
      publisher.publish(
        SUBJECTS.hookOutcome(integrationId),
        HookOutcome,
        { hookId, index, integrationId, outcome: 'opened' },
        { messageId: `${hookId}:${index}`, headers: { [HEADERS.orderingKey]: key } },
      );
    for (let i = 0; i < 8; i++) await send('section', i, 'line-a');
    await expectEventually(() =>
      expect(sectionLog).toEqual(Array.from({ length: 8 }, (_, i) => `section:${i}`)),
    );
    // The handlers overlapped outside their sections (one at a time would be 1).
    expect(sectionsOverlapMax).toBeGreaterThan(1);
  });

  it('lets the next section of a key run once a failed message settled, and keeps other keys apart', async () => {
    sectionLog.length = 0;
    const send = (hookId: string, index: number, key: string) =>
      publisher.publish(
        SUBJECTS.hookOutcome(integrationId),
        HookOutcome,
        { hookId, index, integrationId, outcome: 'opened' },
        { messageId: `${hookId}:${index}`, headers: { [HEADERS.orderingKey]: key } },
      );
    await send('section-flaky', 0, 'line-b');
    await send('section-after', 1, 'line-b');
    await send('section-other', 9, 'line-c');
    await expectEventually(() =>
      expect([...sectionLog].sort()).toEqual(['section-after:1', 'section-flaky:0', 'section-other:9']),
    );
    // The flaky one was nak'ed and redelivered; the one after it in its line went on when it settled.
    expect(sectionLog.indexOf('section-other:9')).toBeLessThan(sectionLog.indexOf('section-flaky:0'));
  }, 20_000);

  describe('request/reply', () => {
    const rpc = () => new RpcClient(nc, naming);

    it('answers a valid request', async () => {
      const id = randomUUID();
      await expect(rpc().request(RPC.normalize.getIntegration, { id })).resolves.toEqual({
        ok: true,
        data: { id },
      });
    });

    it('refuses an invalid request with the reasons', async () => {
      const reply = await rpc().request(RPC.normalize.getIntegration, { id: 'not-a-uuid', extra: 1 });
      expect(reply).toMatchObject({ ok: false, error: { status: 400, code: 'invalid_request' } });
      expect(reply.ok ? [] : reply.error.details).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/id must be a UUID/),
          expect.stringMatching(/extra should not exist/),
        ]),
      );
    });

    it('carries a deliberate failure back as its status', async () => {
      const reply = await rpc().request(RPC.normalize.getIntegration, {
        id: '00000000-0000-4000-8000-000000000000',
      });
      expect(reply).toMatchObject({ ok: false, error: { status: 404, code: 'not_found' } });
    });

    it('says so when nobody answers', async () => {
      await expect(
        rpc().request(RPC.incidentState.getIncident, { id: randomUUID() }, 1_000),
      ).rejects.toBeInstanceOf(RpcUnavailableError);
    });
  });

  describe('publishing', () => {
    /** Why a publish failed: the PublishFailedError, and what JetStream (or its absence) said. */
    const failure = async (publish: Promise<unknown>): Promise<string> => {
      const error = await publish.then(
        () => new Error('the publish succeeded'),
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(PublishFailedError);
      return String((error as PublishFailedError).cause);
    };

    it('matches each acknowledgement to its publish, in the order they were made', async () => {
      const ids = Array.from({ length: 300 }, (_, i) => `order-${i}`);
      const results = await Promise.all(ids.map((id) => send(id)));
      const sequences = results.map((r) => r.sequence);
      expect(results.every((r) => !r.duplicate)).toBe(true);
      expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
      expect(new Set(sequences).size).toBe(ids.length);
      const stored = await jsm.streams.getMessage(naming.stream(STREAMS.hooks), { seq: sequences[123] });
      expect(stored?.header.get('Nats-Msg-Id')).toBe('order-123');
    });

    it('fails a publish that no stream takes', async () => {
      expect(await failure(publisher.publishRaw('nowhere.at.all', '{}', {}))).toContain('503');
    });

    it('fails a publish that JetStream refuses, with its reason', async () => {
      const refused = publisher.publishRaw(SUBJECTS.hookReceived(integrationId), '{}', {
        'Nats-Expected-Stream': 'another-stream',
      });
      expect(await failure(refused)).toMatch(/JetStream refused the message: .*stream/i);
    });

    it('fails a publish that is not answered in time', async () => {
      // Someone listens on the subject, so there is no "no responders", but nobody answers.
      const silent = nc.subscribe(naming.subject('silent.>'));
      const quick = new JetStreamPublisher(nc, naming, 300);
      const started = Date.now();
      expect(await failure(quick.publishRaw('silent.one', '{}', {}))).toContain(
        'did not answer within 300 ms',
      );
      expect(Date.now() - started).toBeLessThan(2_000);
      silent.unsubscribe();
    });

    it('fails what awaits an answer when its connection closes', async () => {
      const silent = nc.subscribe(naming.subject('silent.>'));
      const other = await connectNats({
        servers: TEST_NATS_URL,
        prefix,
        service: 'probe-2',
        streamReplicas: 1,
      });
      const patient = new JetStreamPublisher(other, naming, 60_000);
      const pending = patient.publishRaw('silent.two', '{}', {});
      await other.flush();
      const started = Date.now();
      await other.close();
      expect(await failure(pending)).toContain('closed');
      expect(Date.now() - started).toBeLessThan(2_000);
      await expect(patient.publishRaw('silent.three', '{}', {})).rejects.toBeInstanceOf(PublishFailedError);
      silent.unsubscribe();
    });
  });
});
