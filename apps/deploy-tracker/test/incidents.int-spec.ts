import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import {
  aliasKey,
  CONSUMERS,
  DeployReceived,
  RPC,
  STREAMS,
  SUBJECTS,
  type IncidentChangedV1,
  type IncidentStatus,
  type ServiceView,
} from '@tocsin/contracts';
import { JetStreamPublisher, Naming, RpcClient, uuidv7 } from '@tocsin/messaging';
import { createTestInstallation, expectEventually, type TestInstallation } from '@tocsin/testing';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { IncidentsService } from '../src/incidents/incidents.service';
import { startDeployTracker } from './start-deploy-tracker';

/** A row of deploy_tracker.incidents, as compared. */
interface Row {
  id: string;
  number: number;
  integration_id: string;
  title: string;
  status: string;
  alias: string | null;
  alias_key: string | null;
  service_id: string | null;
  environment: string | null;
  opened_at: string;
  resolved_at: string | null;
  last_sequence: number;
}

/**
 * Incident changes applied many at once by deploy-tracker, as main.ts runs it, on the real
 * PostgreSQL (and nats-server, over which it asks normalize for an integration's service; a
 * responder in the test answers for normalize). The changes are handed to the service the way its
 * consumer does, all at the same moment, so that they are applied in batches.
 */
describe('deploy-tracker applies incident changes in batches', () => {
  const savedEnv = { ...process.env };
  let installation: TestInstallation;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let naming: Naming;
  let rpc: RpcClient;
  let pg: Client;
  let app: NestFastifyApplication;
  let incidents: IncidentsService;
  let dataSource: DataSource;
  let normalize: Subscription;
  let checkout: ServiceView;
  let billing: ServiceView;
  /** The integration whose service is billing; others have none. */
  const billed = uuidv7();
  const unbilled = uuidv7();
  const opened = new Date(Date.now() - 60_000);
  let sequence = 0;

  async function call<T>(subject: string, body: object): Promise<T> {
    const reply = await rpc.request<T>(subject, body);
    if (!reply.ok) throw new Error(`${subject}: ${JSON.stringify(reply.error)}`);
    return reply.data;
  }

  async function sql<T>(query: string, params: unknown[] = []): Promise<T[]> {
    return (await pg.query(query, params)).rows as T[];
  }

  /** The rows of these incidents, in the order of the ids given. */
  async function rows(ids: string[]): Promise<Row[]> {
    const found = await sql<Row>(
      `SELECT id, number::int AS number, integration_id, title, status, alias, alias_key, service_id, environment,
              to_char(opened_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS opened_at,
              to_char(resolved_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS resolved_at,
              last_sequence::int AS last_sequence
         FROM deploy_tracker.incidents WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    const byId = new Map(found.map((r) => [r.id, r]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  /** The snapshot of an incident at one of its changes. */
  function change(
    id: string,
    n: number,
    kind: IncidentChangedV1['change'],
    fields: {
      status: IncidentStatus;
      title: string;
      service?: string | null;
      integrationId?: string;
      environment?: string | null;
      resolvedAt?: string | null;
    },
  ): IncidentChangedV1 {
    return {
      change: kind,
      incident: {
        id,
        number: n,
        integrationId: fields.integrationId ?? unbilled,
        dedupKey: `k${n}`,
        status: fields.status,
        title: fields.title,
        severity: 'error',
        alertCount: 1,
        openedAt: opened.toISOString(),
        lastEventAt: opened.toISOString(),
        service: fields.service ?? null,
        environment: fields.environment ?? null,
        resolvedAt: fields.resolvedAt ?? null,
      },
    };
  }

  /** Counts the transactions deploy-tracker opens while `work` runs. */
  async function transactions(work: () => Promise<void>): Promise<number> {
    const spy = jest.spyOn(dataSource, 'transaction');
    try {
      await work();
      return spy.mock.calls.length;
    } finally {
      spy.mockRestore();
    }
  }

  beforeAll(async () => {
    installation = await createTestInstallation('deploy_tracker_incidents');
    naming = new Naming(installation.prefix);
    nc = await connect({ servers: installation.natsUrl });
    jsm = await jetstreamManager(nc);
    rpc = new RpcClient(nc, naming);
    pg = new Client({ connectionString: installation.databaseUrl });
    await pg.connect();
    app = await startDeployTracker(installation);
    incidents = app.get(IncidentsService);
    dataSource = app.get(DataSource);
    checkout = await call<ServiceView>(RPC.deployTracker.createService, {
      name: 'checkout',
      aliases: ['checkout-api'],
    });
    billing = await call<ServiceView>(RPC.deployTracker.createService, { name: 'billing' });
    // Normalize, which owns integrations: one of them is billing's, the other has no service.
    normalize = nc.subscribe(naming.subject(RPC.normalize.getIntegration), {
      callback: (_error, msg) => {
        const { id } = msg.json<{ id: string }>();
        msg.respond(
          JSON.stringify(
            id === billed
              ? { ok: true, data: { id, serviceId: billing.id } }
              : { ok: true, data: { id, serviceId: null } },
          ),
        );
      },
    });
    // One deploy of each service, ten minutes before the incidents open.
    const publisher = new JetStreamPublisher(nc, naming);
    const deployedAt = new Date(opened.getTime() - 10 * 60_000).toISOString();
    for (const deploy of [
      { service: 'checkout-api', integrationId: unbilled },
      { service: 'billing', integrationId: billed },
    ]) {
      const deployId = uuidv7();
      await publisher.publish(
        SUBJECTS.deployReceived(),
        DeployReceived,
        {
          deployId,
          integrationId: deploy.integrationId,
          source: 'opslevel',
          receivedAt: new Date().toISOString(),
          description: 'a deploy',
          deployedAt,
          deployer: { name: 'ci' },
          service: deploy.service,
        },
        { messageId: `deploy:${deployId}` },
      );
    }
    await expectEventually(
      async () => {
        const info = await jsm.consumers.info(
          naming.stream(STREAMS.deploys),
          naming.durable(CONSUMERS.deployTrackerDeploys),
        );
        expect({ pending: info.num_pending, unacked: info.num_ack_pending }).toEqual({
          pending: 0,
          unacked: 0,
        });
      },
      { timeoutMs: 30_000 },
    );
  }, 90_000);

  afterAll(async () => {
    normalize?.unsubscribe();
    await app?.close();
    process.env = savedEnv;
    await pg?.end();
    await nc?.close();
    await installation?.cleanup();
  }, 60_000);

  it('ends 200 interleaved changes of 50 incidents, some twice and some late, as applying them one by one would', async () => {
    const ids = Array.from({ length: 50 }, () => uuidv7());
    const resolvedAt = new Date(opened.getTime() + 30_000).toISOString();
    // Four changes of each incident; their alias and integration decide their service.
    const lives = ids.map((id, k) => {
      const base = {
        service: k % 3 === 0 ? 'Checkout-API' : k % 3 === 1 ? null : 'nobody-has-this',
        integrationId: k % 3 === 1 ? billed : unbilled,
      };
      const last: IncidentChangedV1 =
        k % 2 === 0
          ? change(id, k + 1, 'reopened', { ...base, status: 'triggered', title: `reopened ${k}` })
          : change(id, k + 1, 'updated', {
              ...base,
              status: 'resolved',
              title: `renamed ${k}`,
              resolvedAt,
            });
      return [
        change(id, k + 1, 'opened', { ...base, status: 'triggered', title: `opened ${k}` }),
        change(id, k + 1, 'acknowledged', {
          ...base,
          status: 'acknowledged',
          title: `opened ${k}`,
          environment: k % 4 === 0 ? 'production' : null,
        }),
        change(id, k + 1, 'resolved', { ...base, status: 'resolved', title: `opened ${k}`, resolvedAt }),
        last,
      ];
    });
    // Round after round, each incident's changes in stream order; every seventh delivered twice.
    const deliveries: { change: IncidentChangedV1; sequence: number }[] = [];
    const sequences = ids.map(() => [] as number[]);
    for (let round = 0; round < 4; round++) {
      lives.forEach((life, k) => {
        const delivery = { change: life[round], sequence: ++sequence };
        sequences[k].push(delivery.sequence);
        deliveries.push(delivery);
        if (deliveries.length % 7 === 0) deliveries.push(delivery);
      });
    }
    // Late: an older change of every fifth incident comes again after its last.
    lives.forEach((life, k) => {
      if (k % 5 === 0) deliveries.push({ change: life[k % 3], sequence: sequences[k][k % 3] });
    });
    expect(deliveries.length).toBeGreaterThan(200);

    const count = await transactions(async () => {
      await Promise.all(deliveries.map((d) => incidents.apply(d.change, d.sequence)));
    });
    // Far fewer transactions than changes: they were applied in batches.
    expect(count).toBeLessThan(40);

    const expected: Row[] = lives.map((life, k) => {
      const first = life[0].incident;
      const final = life[3].incident;
      return {
        id: ids[k],
        number: k + 1,
        integration_id: first.integrationId,
        title: final.title,
        status: final.status,
        alias: first.service ?? null,
        alias_key: first.service ? aliasKey(first.service) : null,
        service_id: k % 3 === 0 ? checkout.id : k % 3 === 1 ? billing.id : null,
        // The environment of the acknowledgement stays: later changes name none.
        environment: k % 4 === 0 ? 'production' : null,
        opened_at: opened.toISOString(),
        resolved_at: final.resolvedAt ?? null,
        last_sequence: sequences[k][3],
      };
    });
    expect(await rows(ids)).toEqual(expected);
    // Each incident with a service is linked to its service's deploy, once.
    const links = await sql<{ incident_id: string; count: string }>(
      `SELECT incident_id, count(*) FROM deploy_tracker.suspect_deploys WHERE incident_id = ANY($1::uuid[])
        GROUP BY incident_id`,
      [ids],
    );
    expect(new Map(links.map((l) => [l.incident_id, Number(l.count)]))).toEqual(
      new Map(ids.filter((_, k) => k % 3 !== 2).map((id) => [id, 1])),
    );
  }, 60_000);

  it('fails a change PostgreSQL refuses alone, and applies the rest of its batch', async () => {
    const known = Array.from({ length: 10 }, () => uuidv7());
    for (const [k, id] of known.entries()) {
      await incidents.apply(
        change(id, 100 + k, 'opened', { status: 'triggered', title: 'opened' }),
        ++sequence,
      );
    }
    const fresh = Array.from({ length: 10 }, () => uuidv7());
    // PostgreSQL text cannot hold a NUL: one new incident and one change of a known one carry one.
    const bad = new Set([fresh[5], known[5]]);
    // Interleaved, so that the bad ones are in the middle of a batch.
    const batch = fresh.flatMap((id, k) => [
      {
        change: change(id, 200 + k, 'opened', {
          status: 'triggered',
          title: bad.has(id) ? 'broken\u0000title' : `fresh ${k}`,
        }),
        sequence: ++sequence,
      },
      {
        change: change(known[k], 100 + k, 'acknowledged', {
          status: 'acknowledged',
          title: bad.has(known[k]) ? 'broken\u0000title' : `acknowledged ${k}`,
        }),
        sequence: ++sequence,
      },
    ]);
    let outcomes: PromiseSettledResult<void>[] = [];
    const count = await transactions(async () => {
      outcomes = await Promise.allSettled(batch.map((d) => incidents.apply(d.change, d.sequence)));
    });
    const failed = batch.filter((_, i) => outcomes[i].status === 'rejected').map((d) => d.change.incident.id);
    expect(failed.sort()).toEqual([...bad].sort());
    for (const [i, outcome] of outcomes.entries()) {
      if (outcome.status === 'rejected') {
        expect(String(outcome.reason)).toMatch(/invalid byte sequence/);
        expect(bad.has(batch[i].change.incident.id)).toBe(true);
      }
    }
    // A batch failed and was applied again change by change.
    expect(count).toBeGreaterThan(batch.length / 2);

    const state = await rows([...fresh, ...known]);
    expect(state.map((r) => [r.id, r.title, r.status])).toEqual([
      ...fresh.filter((id) => !bad.has(id)).map((id) => [id, `fresh ${fresh.indexOf(id)}`, 'triggered']),
      ...known.map((id, k) =>
        bad.has(id) ? [id, 'opened', 'triggered'] : [id, `acknowledged ${k}`, 'acknowledged'],
      ),
    ]);
  }, 60_000);
});
