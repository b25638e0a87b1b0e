import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { CONSUMERS, HookReceived, SUBJECTS, type HookReceivedV1 } from '@tocsin/contracts';
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
});
