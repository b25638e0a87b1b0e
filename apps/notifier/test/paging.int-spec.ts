import type { NatsConnection } from '@nats-io/transport-node';
import { NotifierSettings } from '@tocsin/config';
import type { IncidentChangedV1, UserView } from '@tocsin/contracts';
import { Inbox, openDataSource } from '@tocsin/persistence';
import { connectNats, JetStreamProvisioner, JetStreamPublisher, Naming, RpcClient } from '@tocsin/messaging';
import {
  createTestInstallation,
  expectEventually,
  HttpReceiver,
  type TestInstallation,
} from '@tocsin/testing';
import { PinoLogger } from 'nestjs-pino';
import type { DataSource } from 'typeorm';
import { Clock } from '../src/clock';
import { DirectoryService } from '../src/directory/directory.service';
import { IncidentEventsService } from '../src/incident-events/incident-events.service';
import { CompiledSchedules } from '../src/on-call/compiled-schedules';
import { PoliciesService } from '../src/on-call/policies.service';
import { ActionLinks } from '../src/paging/action-links';
import { ChannelsService } from '../src/paging/channels.service';
import { DeliveryService } from '../src/paging/delivery.service';
import { PagingService } from '../src/paging/paging.service';
import { ServicePolicies } from '../src/paging/service-policies';
import { PeopleService } from '../src/people/people.service';
import { SCHEMA } from '../src/schema';

const logger = new PinoLogger({ pinoHttp: { level: process.env.TEST_LOG_LEVEL ?? 'silent' } });

/** One notifier replica's paging parts, on its own database connections. */
interface Replica {
  dataSource: DataSource;
  events: IncidentEventsService;
  paging: PagingService;
  delivery: DeliveryService;
  links: ActionLinks;
}

describe('paging against PostgreSQL with two replicas', () => {
  let installation: TestInstallation;
  let nc: NatsConnection;
  let naming: Naming;
  const receiver = new HttpReceiver();
  const replicas: Replica[] = [];
  let people: PeopleService;
  let policies: PoliciesService;
  let users: UserView[] = [];
  let policyId: string;

  async function replica(settings: NotifierSettings, publisher: JetStreamPublisher): Promise<Replica> {
    const dataSource = await openDataSource(installation.databaseUrl, SCHEMA);
    const channels = new ChannelsService(settings);
    const directory = new DirectoryService(dataSource, new CompiledSchedules(logger));
    const paging = new PagingService(dataSource, directory, channels, logger);
    const links = new ActionLinks(dataSource, settings);
    const delivery = new DeliveryService(dataSource, settings, channels, links, publisher, paging, logger);
    const services = new ServicePolicies(new JetStreamProvisioner(nc, naming, 1), new RpcClient(nc, naming));
    const events = new IncidentEventsService(new Inbox(dataSource), paging, services, logger);
    return { dataSource, events, paging, delivery, links };
  }

  beforeAll(async () => {
    installation = await createTestInstallation('paging');
    await receiver.start();
    receiver.answer = (_request, response) => {
      // A slow receiver widens the window in which two replicas could both send.
      setTimeout(() => response.writeHead(204).end(), 30);
    };
    naming = new Naming(installation.prefix);
    nc = await connectNats({
      servers: installation.natsUrl,
      prefix: installation.prefix,
      service: 'test',
      streamReplicas: 1,
    });
    await new JetStreamProvisioner(nc, naming, 1).ensureAllStreams();
    const publisher = new JetStreamPublisher(nc, naming);
    const settings = new NotifierSettings();
    replicas.push(await replica(settings, publisher), await replica(settings, publisher));
    const [first] = replicas as [Replica];
    people = new PeopleService(first.dataSource);
    policies = new PoliciesService(
      first.dataSource,
      new DirectoryService(first.dataSource, new CompiledSchedules(logger)),
      new Clock(),
      new ChannelsService(settings),
    );
    users = [];
    for (const name of ['ann', 'bob', 'cy']) {
      const user = await people.createUser({ name, email: `${name}@example.com`, timeZone: 'UTC' });
      const method = await people.addContactMethod({
        userId: user.id,
        kind: 'webhook',
        address: `${receiver.url}/${name}`,
      });
      await people.addNotificationRule({ userId: user.id, contactMethodId: method.id, delayMinutes: 0 });
      users.push(user);
    }
    const team = await people.createTeam({ name: 'everyone', memberIds: users.map((u) => u.id) });
    // Ann is named twice in one step: once herself, once through the team. She is paged once.
    const policy = await policies.create({
      name: 'all at once',
      steps: [
        {
          targets: [
            { type: 'user', id: users[0].id },
            { type: 'team', id: team.id },
          ],
          delayMinutes: 30,
        },
      ],
    });
    policyId = policy.id;
  }, 60_000);

  afterAll(async () => {
    for (const r of replicas) {
      await r.paging.onApplicationShutdown();
      await r.delivery.onApplicationShutdown();
      await r.dataSource.destroy();
    }
    await nc?.close();
    await receiver.stop();
    await installation?.cleanup();
  }, 30_000);

  const opened = (n: number): IncidentChangedV1 => ({
    change: 'opened',
    page: true,
    actor: 'hook:h',
    incident: {
      id: `01900000-0000-7000-8000-${String(n).padStart(12, '0')}`,
      number: n,
      integrationId: '01900000-0000-7000-8000-00000000aaaa',
      dedupKey: `k${n}`,
      status: 'triggered',
      title: `incident ${n}`,
      severity: 'critical',
      alertCount: 1,
      openedAt: new Date().toISOString(),
      lastEventAt: new Date().toISOString(),
      escalationPolicyId: policyId,
    },
  });

  it('pages each person once per step, however often the change arrives and however many replicas send', async () => {
    const [a, b] = replicas as [Replica, Replica];
    const incidents = Array.from({ length: 12 }, (_, i) => opened(i + 1));
    // Every change arrives twice, at both replicas at once, as a redelivery would.
    await Promise.all(
      incidents.flatMap((change) => {
        const id = `incident:${change.incident.id}:opened:cause`;
        return [a.events.record(change, id), b.events.record(change, id)];
      }),
    );
    // Both replicas plan and send at the same time.
    await Promise.all([a.paging.runDue(), b.paging.runDue()]);
    await Promise.all([a.delivery.runDue(), b.delivery.runDue(), a.delivery.runDue(), b.delivery.runDue()]);

    await expectEventually(() => expect(receiver.received).toHaveLength(36), { timeoutMs: 20_000 });
    const ids = receiver.received.map((r) => r.headers['x-tocsin-delivery']);
    expect(new Set(ids).size).toBe(36);
    const perIncidentAndUser = new Set(
      receiver.received.map(
        (r) => `${r.path} ${(JSON.parse(r.body.toString()) as { incident: { id: string } }).incident.id}`,
      ),
    );
    expect(perIncidentAndUser.size).toBe(36);

    // Every delivery is logged as sent once, and nothing more goes out on another run.
    const logged = () =>
      a.dataSource.query<{ status: string; count: string }[]>(
        `SELECT "status", count(*) FROM "notifier"."deliveries" GROUP BY "status"`,
      );
    await expectEventually(async () => expect(await logged()).toEqual([{ status: 'sent', count: '36' }]), {
      timeoutMs: 10_000,
    });
    await Promise.all([a.paging.runDue(), b.paging.runDue(), a.delivery.runDue(), b.delivery.runDue()]);
    expect(await logged()).toEqual([{ status: 'sent', count: '36' }]);
    expect(receiver.received).toHaveLength(36);
  }, 60_000);

  it('acknowledging stops the escalation and cancels the pages not yet sent', async () => {
    const [a] = replicas as [Replica];
    // Dee wants pages after five minutes; the second step would come after thirty.
    const dee = await people.createUser({ name: 'dee', email: 'dee@example.com', timeZone: 'UTC' });
    const method = await people.addContactMethod({
      userId: dee.id,
      kind: 'webhook',
      address: `${receiver.url}/dee`,
    });
    await people.addNotificationRule({ userId: dee.id, contactMethodId: method.id, delayMinutes: 5 });
    const slow = await policies.create({
      name: 'dee, then ann',
      steps: [
        { targets: [{ type: 'user', id: dee.id }], delayMinutes: 30 },
        { targets: [{ type: 'user', id: users[0].id }], delayMinutes: 30 },
      ],
    });
    const change = opened(100);
    change.incident.escalationPolicyId = slow.id;
    await a.events.record(change, 'incident:100:opened');
    const state = () =>
      a.dataSource.query<
        { status: string; error: string | null; escalation: string; next_at: Date | null }[]
      >(
        `SELECT d."status", d."error", e."status" AS "escalation", e."next_at"
         FROM "notifier"."deliveries" d JOIN "notifier"."escalations" e ON e."id" = d."escalation_id"
         WHERE d."incident_id" = $1`,
        [change.incident.id],
      );
    // Recording the change runs the due step in the background; this run may find it taken.
    await a.paging.runDue();
    await expectEventually(async () =>
      expect(await state()).toEqual([
        { status: 'queued', error: null, escalation: 'active', next_at: expect.any(Date) as Date },
      ]),
    );
    await a.events.record(
      { ...change, change: 'acknowledged', page: false, actor: 'api:admin' },
      'incident:100:acknowledged',
    );
    expect(await state()).toEqual([
      {
        status: 'cancelled',
        error: 'incident acknowledged by api:admin',
        escalation: 'stopped',
        next_at: null,
      },
    ]);
    // The second step never runs.
    await a.paging.runDue(() => new Date(Date.now() + 3600_000));
    expect(await state()).toHaveLength(1);
  }, 30_000);

  it('signs links that work for their incident and action only, and not after they expire', async () => {
    const [a, b] = replicas as [Replica, Replica];
    const incidentId = '01900000-0000-7000-8000-000000000777';
    const userId = users[0].id;
    const links = await a.links.forPage(incidentId, userId);
    const token = links.acknowledge.split('/v1/actions/')[1];
    expect(token.length).toBeLessThan(100);
    // Another replica reads the same key.
    await expect(b.links.verify(token)).resolves.toMatchObject({ incidentId, userId, action: 'acknowledge' });
    const resolve = links.resolve.split('/v1/actions/')[1];
    await expect(a.links.verify(resolve)).resolves.toMatchObject({ action: 'resolve' });
    const [payload, mac] = token.split('.') as [string, string];
    const bytes = Buffer.from(payload, 'base64url');
    bytes.writeUInt8(2, 1); // acknowledge → resolve, keeping the MAC
    await expect(a.links.verify(`${bytes.toString('base64url')}.${mac}`)).rejects.toMatchObject({
      status: 404,
    });
    const altered = `${mac.slice(0, -1)}${mac.endsWith('A') ? 'B' : 'A'}`;
    await expect(a.links.verify(`${payload}.${altered}`)).rejects.toMatchObject({ status: 404 });
    await expect(a.links.verify(token, Date.now() + 25 * 3600_000)).rejects.toMatchObject({ status: 410 });
  }, 30_000);
});
