import type { NatsConnection } from '@nats-io/transport-node';
import { NotifierSettings } from '@tocsin/config';
import type { IncidentChangedV1 } from '@tocsin/contracts';
import { connectNats, JetStreamProvisioner, Naming, RpcClient, uuidv7 } from '@tocsin/messaging';
import { Inbox, openDataSource } from '@tocsin/persistence';
import { createTestInstallation, type TestInstallation } from '@tocsin/testing';
import { PinoLogger } from 'nestjs-pino';
import type { DataSource } from 'typeorm';
import { Clock } from '../src/clock';
import { DirectoryService } from '../src/directory/directory.service';
import { IncidentEventsService } from '../src/incident-events/incident-events.service';
import { CompiledSchedules } from '../src/on-call/compiled-schedules';
import { PoliciesService } from '../src/on-call/policies.service';
import { ChannelsService } from '../src/paging/channels.service';
import { PagingService } from '../src/paging/paging.service';
import { ServicePolicies } from '../src/paging/service-policies';
import { PeopleService } from '../src/people/people.service';
import { SCHEMA } from '../src/schema';

const logger = new PinoLogger({ pinoHttp: { level: process.env.TEST_LOG_LEVEL ?? 'silent' } });

/** A change as the consumer hands it over: the payload and the message id. */
interface Delivery {
  change: IncidentChangedV1;
  messageId: string;
}

/**
 * Incident changes recorded many at once by the notifier, on the real PostgreSQL: the changes are
 * handed to the service the way its consumer does, all at the same moment, so that they are
 * recorded in batches.
 */
describe('the notifier records incident changes in batches', () => {
  let installation: TestInstallation;
  let nc: NatsConnection;
  let dataSource: DataSource;
  let inbox: Inbox;
  let paging: PagingService;
  let events: IncidentEventsService;
  let policyId: string;

  beforeAll(async () => {
    installation = await createTestInstallation('incident_events');
    const naming = new Naming(installation.prefix);
    nc = await connectNats({
      servers: installation.natsUrl,
      prefix: installation.prefix,
      service: 'test',
      streamReplicas: 1,
    });
    dataSource = await openDataSource(installation.databaseUrl, SCHEMA);
    const settings = new NotifierSettings();
    const directory = new DirectoryService(dataSource, new CompiledSchedules(logger));
    paging = new PagingService(dataSource, directory, new ChannelsService(settings), logger);
    inbox = new Inbox(dataSource);
    const services = new ServicePolicies(new JetStreamProvisioner(nc, naming, 1), new RpcClient(nc, naming));
    events = new IncidentEventsService(inbox, paging, services, logger);
    const people = new PeopleService(dataSource);
    const ann = await people.createUser({ name: 'ann', email: 'ann@example.com', timeZone: 'UTC' });
    const method = await people.addContactMethod({
      userId: ann.id,
      kind: 'webhook',
      address: 'https://hooks.example.com/ann',
    });
    await people.addNotificationRule({ userId: ann.id, contactMethodId: method.id, delayMinutes: 0 });
    const policies = new PoliciesService(dataSource, directory, new Clock(), new ChannelsService(settings));
    const policy = await policies.create({
      name: 'ann, twice',
      steps: [
        { targets: [{ type: 'user', id: ann.id }], delayMinutes: 30 },
        { targets: [{ type: 'user', id: ann.id }], delayMinutes: 30 },
      ],
    });
    policyId = policy.id;
  }, 60_000);

  afterAll(async () => {
    await paging?.onApplicationShutdown();
    await dataSource?.destroy();
    await nc?.close();
    await installation?.cleanup();
  }, 30_000);

  function change(
    incidentId: string,
    kind: IncidentChangedV1['change'],
    fields: { page?: boolean; held?: 'maintenance'; title?: string } = {},
  ): IncidentChangedV1 {
    const status = kind === 'acknowledged' ? 'acknowledged' : kind === 'resolved' ? 'resolved' : 'triggered';
    return {
      change: kind,
      page: fields.page ?? false,
      ...(fields.held ? { held: fields.held } : {}),
      actor: 'api:admin',
      incident: {
        id: incidentId,
        number: 1,
        integrationId: '01900000-0000-7000-8000-00000000aaaa',
        dedupKey: 'k',
        status,
        title: fields.title ?? `incident ${incidentId}`,
        severity: 'critical',
        alertCount: 1,
        openedAt: new Date().toISOString(),
        lastEventAt: new Date().toISOString(),
        escalationPolicyId: policyId,
      },
    };
  }

  /** Records the deliveries all at once; answers the batches the inbox saw. */
  async function recordAtOnce(deliveries: Delivery[]): Promise<{
    outcomes: PromiseSettledResult<void>[];
    batches: number[];
  }> {
    const spy = jest.spyOn(inbox, 'applyEachOnce');
    try {
      const outcomes = await Promise.allSettled(deliveries.map((d) => events.record(d.change, d.messageId)));
      return { outcomes, batches: spy.mock.calls.map(([, ids]) => ids.length) };
    } finally {
      spy.mockRestore();
    }
  }

  /** Escalations of these incidents by status. */
  async function escalations(ids: string[]): Promise<Map<string, { active: number; stopped: number }>> {
    const rows = await dataSource.query<{ incident_id: string; status: string; count: string }[]>(
      `SELECT "incident_id", "status", count(*) FROM "notifier"."escalations"
       WHERE "incident_id" = ANY($1::uuid[]) GROUP BY "incident_id", "status"`,
      [ids],
    );
    const found = new Map(ids.map((id) => [id, { active: 0, stopped: 0 }]));
    for (const row of rows) {
      const entry = found.get(row.incident_id) as { active: number; stopped: number };
      if (row.status === 'active') entry.active = Number(row.count);
      else if (row.status === 'stopped') entry.stopped = Number(row.count);
      else throw new Error(`unexpected escalation status ${row.status}`);
    }
    return found;
  }

  it('records 200 interleaved changes of 50 incidents, some twice and some late, as recording them one by one would', async () => {
    const ids = Array.from({ length: 50 }, () => uuidv7());
    const lives: Delivery[][] = ids.map((id, k) => {
      const opened = change(id, 'opened', { page: true, ...(k % 5 === 0 ? { held: 'maintenance' } : {}) });
      const life =
        k % 2 === 0
          ? [
              opened,
              change(id, 'appended'),
              change(id, 'acknowledged'),
              change(id, 'reopened', { page: true }),
            ]
          : [opened, change(id, 'appended'), change(id, 'appended', { page: true }), change(id, 'resolved')];
      return life.map((c, n) => ({ change: c, messageId: `incident:${id}:${c.change}:${n}` }));
    });
    // Round after round, each incident's changes in stream order; every seventh delivered twice.
    const deliveries: Delivery[] = [];
    for (let round = 0; round < 4; round++) {
      for (const life of lives) {
        deliveries.push(life[round]);
        if (deliveries.length % 7 === 0) deliveries.push(life[round]);
      }
    }
    // Late: the opening of every fifth incident comes again after its last change (after the
    // resolution of the odd ones, where it would page anew if it were recorded again).
    lives.forEach((life, k) => {
      if (k % 5 === 1) deliveries.push(life[0]);
    });

    const { outcomes, batches } = await recordAtOnce(deliveries);
    expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
    // Far fewer transactions than changes: they were recorded in batches.
    expect(batches.length).toBeLessThan(40);
    expect(Math.max(...batches)).toBeGreaterThan(20);

    // Every change is recorded once, in its incident's order.
    const recorded = await dataSource.query<{ message_id: string; incident_id: string; change: string }[]>(
      `SELECT "message_id", "incident_id", "change" FROM "notifier"."incident_events"
       WHERE "incident_id" = ANY($1::uuid[]) ORDER BY "incident_id", "received_at", "message_id"`,
      [ids],
    );
    const expected = [...lives]
      .sort((a, b) => (a[0].change.incident.id < b[0].change.incident.id ? -1 : 1))
      .flatMap((life) =>
        life.map((d) => ({
          message_id: d.messageId,
          incident_id: d.change.incident.id,
          change: d.change.change,
        })),
      );
    expect(recorded).toEqual(expected);

    // Escalations as recording the changes one by one starts and stops them.
    const model = new Map(
      lives.map((life) => {
        let active = false;
        let stopped = 0;
        for (const { change: c } of life) {
          if (c.change === 'acknowledged' || c.change === 'resolved') {
            if (active) stopped += 1;
            active = false;
          } else if (c.page && !c.held) {
            active = true;
          }
        }
        return [life[0].change.incident.id, { active: active ? 1 : 0, stopped }];
      }),
    );
    expect(await escalations(ids)).toEqual(model);
    const reasons = await dataSource.query<{ stopped_reason: string }[]>(
      `SELECT DISTINCT "stopped_reason" FROM "notifier"."escalations"
       WHERE "incident_id" = ANY($1::uuid[]) AND "status" = 'stopped'`,
      [ids],
    );
    expect(reasons.map((r) => r.stopped_reason).sort()).toEqual([
      'incident acknowledged by api:admin',
      'incident resolved by api:admin',
    ]);
  }, 60_000);

  it('fails a change PostgreSQL refuses alone, and records the rest of its batch', async () => {
    const ids = Array.from({ length: 20 }, () => uuidv7());
    // PostgreSQL text cannot hold a NUL.
    const deliveries = ids.map((id, k) => {
      const c = change(id, 'opened', { page: true, ...(k === 10 ? { title: 'broken\u0000title' } : {}) });
      return { change: c, messageId: `incident:${id}:opened` };
    });
    const { outcomes, batches } = await recordAtOnce(deliveries);
    const rejected = outcomes.flatMap((o, k) =>
      o.status === 'rejected' ? [{ k, reason: String(o.reason) }] : [],
    );
    expect(rejected).toEqual([{ k: 10, reason: expect.stringMatching(/invalid byte sequence/) as string }]);
    // A batch held the bad change with others: it failed and was recorded again change by change.
    expect(Math.max(...batches)).toBeGreaterThan(10);
    expect(batches.filter((n) => n === 1).length).toBeGreaterThan(10);

    const good = ids.filter((_, k) => k !== 10);
    const recorded = await dataSource.query<{ incident_id: string }[]>(
      `SELECT "incident_id" FROM "notifier"."incident_events" WHERE "incident_id" = ANY($1::uuid[])`,
      [ids],
    );
    expect(recorded.map((r) => r.incident_id).sort()).toEqual([...good].sort());
    expect(await escalations(ids)).toEqual(
      new Map(ids.map((id, k) => [id, { active: k === 10 ? 0 : 1, stopped: 0 }])),
    );
    // The bad change is not in the inbox, so that its redelivery is recorded when it can be.
    const inInbox = await dataSource.query<{ message_id: string }[]>(
      `SELECT "message_id" FROM "notifier"."inbox" WHERE "message_id" = ANY($1::text[])`,
      [deliveries.map((d) => d.messageId)],
    );
    expect(inInbox.map((r) => r.message_id).sort()).toEqual(
      deliveries
        .filter((_, k) => k !== 10)
        .map((d) => d.messageId)
        .sort(),
    );
    await events.record(
      { ...deliveries[10].change, incident: { ...deliveries[10].change.incident, title: 'fixed' } },
      deliveries[10].messageId,
    );
    expect((await escalations([ids[10]])).get(ids[10])).toEqual({ active: 1, stopped: 0 });
  }, 60_000);
});
