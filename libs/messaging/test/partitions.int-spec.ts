import { Controller, Inject, Module, type DynamicModule, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, Payload } from '@nestjs/microservices';
import { AckPolicy, jetstreamManager, type ConsumerInfo, type JetStreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  CONSUMERS,
  EVENT_PARTITIONS,
  EventNormalized,
  eventPartition,
  HEADERS,
  KV_BUCKETS,
  STREAMS,
  SUBJECTS,
  type Envelope,
  type EventNormalizedV1,
} from '@tocsin/contracts';
import { deleteInstallationStreams, expectEventually, TEST_NATS_URL } from '@tocsin/testing';
import { PinoLogger } from 'nestjs-pino';
import { randomBytes, randomUUID } from 'node:crypto';
import {
  connectNats,
  JetStreamBatchContext,
  JetStreamProvisioner,
  JetStreamPublisher,
  JetStreamServer,
  Naming,
  OnStream,
  RethrowRpcFilter,
} from '../src';
import { readDeadLetters } from './dead-letters';
import { consumerAckPending, consumerPending } from '../src/messaging.metrics';

const REPLICA = Symbol('REPLICA');
const def = CONSUMERS.incidentStateEvents;

/** What the two replicas did, shared by both (they run in this one process). */
const record = {
  /** Per key, the `index` of each event in the order it was handled successfully. */
  handledByKey: new Map<string, number[]>(),
  /** Per message id, how often a handler succeeded with it. */
  successes: new Map<string, number>(),
  /** Per replica, how many messages it handled successfully. */
  byReplica: new Map<string, number>(),
  /** Per message id, the times a handler started on it. */
  attempts: new Map<string, number[]>(),
  /** Per message id, the time a handler succeeded with it. */
  handledAt: new Map<string, number>(),
  /** Messages whose first delivery fails. */
  failFirst: new Set<string>(),
  /** Partitions with a handler running now, and every time a second one started beside it. */
  busy: new Set<number>(),
  overlaps: [] as string[],
};

@Controller()
class EventHandlers {
  constructor(@Inject(REPLICA) private readonly replica: string) {}

  /**
   * Handles a batch in order; after the first failure, the rest of the batch fails too, as a
   * handler that keeps per-key order must answer (a later message may share the failed one's key).
   */
  @OnStream(def, { messageType: EventNormalized })
  async normalized(
    @Payload() envelopes: Envelope<EventNormalizedV1>[],
    @Ctx() ctx: JetStreamBatchContext,
  ): Promise<(Error | undefined)[]> {
    const partitions = new Set(
      envelopes.map(({ payload }) => eventPartition(payload.integrationId, payload.dedupKey)),
    );
    expect(partitions.size).toBe(1);
    const [partition] = partitions;
    if (record.busy.has(partition)) record.overlaps.push(`${ctx.messageIds[0]} on partition ${partition}`);
    record.busy.add(partition);
    const results: (Error | undefined)[] = [];
    try {
      await sleep(Math.random() * 5);
      for (const [i, { payload: event }] of envelopes.entries()) {
        const messageId = ctx.messageIds[i];
        if (results.some((r) => r !== undefined)) {
          results.push(new Error('an earlier message of the batch failed'));
          continue;
        }
        const attempts = [...(record.attempts.get(messageId) ?? []), Date.now()];
        record.attempts.set(messageId, attempts);
        if (event.dedupKey.startsWith('broken')) {
          results.push(new Error('always fails'));
          continue;
        }
        if (record.failFirst.has(messageId) && attempts.length === 1) {
          results.push(new Error('briefly away'));
          continue;
        }
        record.handledByKey.set(event.dedupKey, [
          ...(record.handledByKey.get(event.dedupKey) ?? []),
          event.index,
        ]);
        record.successes.set(messageId, (record.successes.get(messageId) ?? 0) + 1);
        record.byReplica.set(this.replica, (record.byReplica.get(this.replica) ?? 0) + 1);
        record.handledAt.set(messageId, Date.now());
        results.push(undefined);
      }
    } finally {
      record.busy.delete(partition);
    }
    return results;
  }
}

@Module({})
class ReplicaModule {
  static named(replica: string): DynamicModule {
    return {
      module: ReplicaModule,
      controllers: [EventHandlers],
      providers: [{ provide: REPLICA, useValue: replica }],
    };
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe('partitioned consumers: per-key order across replicas', () => {
  const prefix = `t${randomBytes(4).toString('hex')}`;
  const naming = new Naming(prefix);
  const integrationId = randomUUID();
  const stream = naming.stream(STREAMS[def.stream]);
  const retired = `${prefix}-incident-state-events`;
  const connections: NatsConnection[] = [];
  const replicas = new Map<string, INestMicroservice>();
  let jsm: JetStreamManager;
  let provisioner: JetStreamProvisioner;
  let publisher: JetStreamPublisher;

  const event = (key: string, index: number): EventNormalizedV1 => ({
    hookId: `${key}-h${index}`,
    index,
    integrationId,
    action: 'open',
    dedupKey: key,
    title: `${key} #${index}`,
    severity: 'error',
    receivedAt: new Date().toISOString(),
  });
  const messageId = (key: string, index: number) => `${key}:${index}`;
  const send = (key: string, index: number) =>
    publisher.publish(
      SUBJECTS.eventNormalized(integrationId, eventPartition(integrationId, key)),
      EventNormalized,
      event(key, index),
      { messageId: messageId(key, index), headers: { [HEADERS.hookId]: `${key}-h${index}` } },
    );
  /** A key of the same partition as `key`, other than it. */
  const neighbourOf = (key: string): string => {
    for (let i = 0; ; i++) {
      const candidate = `neighbour-${i}-of-${key}`;
      if (eventPartition(integrationId, candidate) === eventPartition(integrationId, key)) return candidate;
    }
  };

  async function durables(): Promise<Map<string, ConsumerInfo>> {
    const found = new Map<string, ConsumerInfo>();
    for await (const info of jsm.consumers.list(stream)) found.set(info.name, info);
    return found;
  }

  const deadLetters = () => readDeadLetters(jsm, naming);

  async function startReplica(name: string): Promise<void> {
    const nc = await connectNats({ servers: TEST_NATS_URL, prefix, service: name, streamReplicas: 1 });
    connections.push(nc);
    const server = new JetStreamServer({
      nc,
      naming,
      provisioner: new JetStreamProvisioner(nc, naming, 1),
      publisher: new JetStreamPublisher(nc, naming),
      logger: new PinoLogger({ pinoHttp: { level: 'silent' } }),
      service: 'incident-state',
    });
    const app = await NestFactory.createMicroservice(ReplicaModule.named(name), {
      strategy: server,
      logger: false,
    });
    app.useGlobalFilters(new RethrowRpcFilter());
    await app.listen();
    replicas.set(name, app);
  }

  beforeAll(async () => {
    const nc = await connectNats({ servers: TEST_NATS_URL, prefix, service: 'probe', streamReplicas: 1 });
    connections.push(nc);
    jsm = await jetstreamManager(nc);
    provisioner = new JetStreamProvisioner(nc, naming, 1);
    publisher = new JetStreamPublisher(nc, naming);
    await provisioner.ensureAllStreams();
    // The single durable that consumed every normalized event before they were partitioned.
    await jsm.consumers.add(stream, {
      durable_name: retired,
      filter_subject: `${prefix}.events.normalized.>`,
      ack_policy: AckPolicy.Explicit,
    });
    await startReplica('a');
    await startReplica('b');
    // Both replicas hold their share of the partitions before anything is published.
    const leases = await new Kvm(nc).open(naming.bucket(KV_BUCKETS.leases));
    await expectEventually(
      async () => {
        const holders = new Map<string, number>();
        for await (const key of await leases.keys(`l.${def.durable}.*`)) {
          const holder = (await leases.get(key))?.string() ?? '';
          holders.set(holder, (holders.get(holder) ?? 0) + 1);
        }
        expect([...holders.values()].sort()).toEqual([EVENT_PARTITIONS / 2, EVENT_PARTITIONS / 2]);
      },
      { timeoutMs: 20_000, intervalMs: 250 },
    );
  }, 40_000);

  afterAll(async () => {
    for (const app of replicas.values()) await app.close();
    for (const nc of connections) await nc.drain().catch(() => undefined);
    await deleteInstallationStreams(prefix);
  }, 60_000);

  it('provisions one durable per partition, idempotently, and removes the retired one', async () => {
    const expectPartitions = (found: Map<string, ConsumerInfo>) => {
      expect(found.has(retired)).toBe(false);
      expect(found.size).toBe(EVENT_PARTITIONS);
      for (let p = 0; p < EVENT_PARTITIONS; p++) {
        expect(found.get(`${prefix}-incident-state-events-${p}`)?.config).toMatchObject({
          filter_subject: `${prefix}.events.normalized.*.${p}`,
          ack_policy: 'explicit',
          max_ack_pending: def.maxAckPending,
          max_deliver: -1,
          ack_wait: def.ackWaitMs * 1_000_000,
        });
      }
    };
    const first = await durables();
    expectPartitions(first);

    await provisioner.ensureConsumer(def);
    await provisioner.ensureConsumer(def);
    const again = await durables();
    expectPartitions(again);
    for (const [name, info] of first) expect(again.get(name)?.created).toBe(info.created);

    // A retired durable that comes back is removed by the next provisioning.
    await jsm.consumers.add(stream, {
      durable_name: retired,
      filter_subject: `${prefix}.events.normalized.>`,
      ack_policy: AckPolicy.Explicit,
    });
    await provisioner.ensureConsumer(def);
    expectPartitions(await durables());
  }, 30_000);

  it('handles the events of every key once each, in publish order, on both replicas', async () => {
    const keys = Array.from({ length: 300 }, (_, i) => `key-${i}`);
    const perKey = 5;
    const expected = new Map(keys.map((k) => [k, Array.from({ length: perKey }, (_, i) => i)]));
    for (const key of keys) {
      for (let i = 0; i < perKey; i++) if (Math.random() < 0.05) record.failFirst.add(messageId(key, i));
    }
    for (let index = 0; index < perKey; index++) {
      const round = [...keys].sort(() => Math.random() - 0.5);
      for (let at = 0; at < round.length; at += 50) {
        // Publishes of different keys in parallel; each key's events one after another.
        await Promise.all(round.slice(at, at + 50).map((key) => send(key, index)));
      }
    }

    await expectEventually(
      () => {
        for (const key of keys) expect(record.handledByKey.get(key)?.length ?? 0).toBe(perKey);
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    for (const key of keys) expect(record.handledByKey.get(key)).toEqual(expected.get(key));
    for (const key of keys) {
      for (let i = 0; i < perKey; i++) expect(record.successes.get(messageId(key, i))).toBe(1);
    }
    expect(record.overlaps).toEqual([]);
    expect(record.byReplica.get('a')).toBeGreaterThan(0);
    expect(record.byReplica.get('b')).toBeGreaterThan(0);
    // Every failed first delivery was retried.
    for (const id of record.failFirst) expect(record.attempts.get(id)?.length).toBe(2);

    // The gauges sum the partitions under the definition's durable name.
    await expectEventually(
      async () => {
        const value = async (gauge: typeof consumerPending) =>
          (await gauge.get()).values.find((v) => v.labels.consumer === def.durable)?.value;
        expect(await value(consumerPending)).toBe(0);
        expect(await value(consumerAckPending)).toBe(0);
      },
      { timeoutMs: 15_000, intervalMs: 500 },
    );
  }, 120_000);

  it('dead-letters a message that always fails, then hands out the next one of its partition', async () => {
    const follower = neighbourOf('broken-1');
    await send('broken-1', 0);
    await send(follower, 0);

    const letter = await expectEventually(
      async () => {
        const found = (await deadLetters()).find((d) => d.hookId === 'broken-1-h0');
        expect(found).toBeDefined();
        return found;
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    expect(letter).toMatchObject({
      consumer: def.durable,
      reason: expect.stringMatching(/failed 5 deliveries: Error: always fails/),
    });
    await expectEventually(() => expect(record.successes.get(messageId(follower, 0))).toBe(1));
    const attempts = record.attempts.get(messageId('broken-1', 0)) ?? [];
    expect(attempts).toHaveLength(def.maxDeliver);
    // The follower waited behind every delivery of the broken message.
    expect(record.attempts.get(messageId(follower, 0))?.[0]).toBeGreaterThan(attempts[attempts.length - 1]);
  }, 40_000);

  it('stops every partition loop of a replica that drains; the other replica takes all the work', async () => {
    const b = replicas.get('b');
    replicas.delete('b');
    await b?.close();
    const before = record.byReplica.get('b');

    const keys = Array.from({ length: 64 }, (_, i) => `after-drain-${i}`);
    for (const key of keys) await send(key, 0);
    await expectEventually(() => {
      for (const key of keys) expect(record.successes.get(messageId(key, 0))).toBe(1);
    });
    expect(record.byReplica.get('b')).toBe(before);
  }, 30_000);

  it('provisions a lost partition durable again and resumes pulling from it', async () => {
    const key = 'lost-partition';
    const lost = `${prefix}-incident-state-events-${eventPartition(integrationId, key)}`;
    await jsm.consumers.delete(stream, lost);
    await expectEventually(async () => expect((await durables()).has(lost)).toBe(true), {
      timeoutMs: 20_000,
      intervalMs: 250,
    });
    await send(key, 0);
    await expectEventually(() => expect(record.successes.get(messageId(key, 0))).toBe(1), {
      timeoutMs: 20_000,
    });
  }, 45_000);
});
