import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  CONSUMERS,
  EventNormalized,
  eventPartition,
  HookReceived,
  SUBJECTS,
  type EventNormalizedV1,
  type HookReceivedV1,
} from '@tocsin/contracts';
import { deleteInstallationStreams, TEST_NATS_URL } from '@tocsin/testing';
import { randomBytes, randomUUID } from 'node:crypto';
import { connectNats, JetStreamBacklog, JetStreamProvisioner, JetStreamPublisher, Naming } from '../src';

describe('the backlog of a durable consumer', () => {
  const prefix = `t${randomBytes(4).toString('hex')}`;
  const naming = new Naming(prefix);
  const [mine, other] = [randomUUID(), randomUUID()];
  let nc: NatsConnection;
  let backlog: JetStreamBacklog;

  beforeAll(async () => {
    nc = await connectNats({ servers: TEST_NATS_URL, prefix, service: 'backlog-test', streamReplicas: 1 });
    const provisioner = new JetStreamProvisioner(nc, naming, 1);
    await provisioner.ensureAllStreams();
    await provisioner.ensureConsumer(CONSUMERS.normalizeHooks);
    backlog = new JetStreamBacklog(nc, naming);
  }, 30_000);

  afterAll(async () => {
    await nc?.close();
    await deleteInstallationStreams(prefix);
  }, 30_000);

  const publish = (publisher: JetStreamPublisher, integrationId: string, hookId: string) =>
    publisher.publish(
      SUBJECTS.hookReceived(integrationId),
      HookReceived,
      {
        hookId,
        integrationId,
        receivedAt: new Date().toISOString(),
        contentType: 'application/json',
        headers: {},
        body: '{}',
      } satisfies HookReceivedV1,
      { messageId: hookId },
    );

  const hookIds = async (integrationId: string) =>
    (await backlog.unsettled(CONSUMERS.normalizeHooks, SUBJECTS.hookReceived(integrationId), 100)).map(
      (m) => (JSON.parse(new TextDecoder().decode(m.data)) as { payload: HookReceivedV1 }).payload.hookId,
    );

  it('is empty when the consumer has nothing ahead of it', async () => {
    expect(await hookIds(mine)).toEqual([]);
  });

  it("lists one subject's messages the consumer has not acked, oldest first, and takes none", async () => {
    const publisher = new JetStreamPublisher(nc, naming);
    for (const id of ['a1', 'a2', 'a3']) await publish(publisher, mine, id);
    await publish(publisher, other, 'b1');

    // The consumer handles the first message; the rest wait.
    const durable = await jetstream(nc).consumers.get(
      naming.stream({ name: 'hooks' }),
      naming.durable(CONSUMERS.normalizeHooks),
    );
    const first = await durable.next({ expires: 2_000 });
    first?.ack();
    await first?.ackAck();

    expect(await hookIds(mine)).toEqual(['a2', 'a3']);
    expect(await hookIds(other)).toEqual(['b1']);
    // Reading the backlog took nothing from the consumer.
    expect((await durable.info()).num_pending).toBe(3);
  }, 30_000);

  it('reads a partitioned consumer past the ack floor of each partition', async () => {
    const def = CONSUMERS.incidentStateEvents;
    await new JetStreamProvisioner(nc, naming, 1).ensureConsumer(def);
    const publisher = new JetStreamPublisher(nc, naming);
    const publishEvent = (integrationId: string, key: string) =>
      publisher.publish(
        SUBJECTS.eventNormalized(integrationId, eventPartition(integrationId, key)),
        EventNormalized,
        {
          hookId: key,
          index: 0,
          integrationId,
          action: 'open',
          dedupKey: key,
          title: key,
          severity: 'info',
          receivedAt: new Date().toISOString(),
        } satisfies EventNormalizedV1,
        { messageId: `${integrationId}:${key}` },
      );
    // Keys of two different partitions for one integration, and one for another integration.
    const first = 'k0';
    let second = 'k1';
    for (let i = 2; eventPartition(mine, second) === eventPartition(mine, first); i++) second = `k${i}`;
    await publishEvent(mine, first);
    await publishEvent(mine, second);
    await publishEvent(other, first);

    // The first key's partition hands out and acks its message; the other partitions wait.
    const partition = await jetstream(nc).consumers.get(
      naming.stream({ name: 'events' }),
      `${naming.durable(def)}-${eventPartition(mine, first)}`,
    );
    const taken = await partition.next({ expires: 2_000 });
    taken?.ack();
    await taken?.ackAck();

    const keysOf = async (integrationId: string) =>
      (await backlog.unsettled(def, `events.normalized.${integrationId}.>`, 100)).map(
        (m) =>
          (JSON.parse(new TextDecoder().decode(m.data)) as { payload: EventNormalizedV1 }).payload.dedupKey,
      );
    expect(await keysOf(mine)).toEqual([second]);
    expect(await keysOf(other)).toEqual([first]);
  }, 30_000);
});
