import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  CONSUMERS,
  DeployReceived,
  IncidentChanged,
  KV_BUCKETS,
  RPC,
  STREAMS,
  SUBJECTS,
  aliasIndexKey,
  type AcceptedSuggestionView,
  type DeployReceivedV1,
  type IncidentChangedV1,
  type IncidentSuspectsView,
  type Page,
  type ServiceSuggestionView,
  type ServiceView,
} from '@tocsin/contracts';
import { JetStreamPublisher, Naming, RpcClient, uuidv7 } from '@tocsin/messaging';
import { createTestInstallation, expectEventually, type TestInstallation } from '@tocsin/testing';
import { Client } from 'pg';
import { AliasIndexService } from '../src/services/alias-index.service';
import { startDeployTracker } from './start-deploy-tracker';

/**
 * Two replicas of deploy-tracker, as main.ts runs them, on the real nats-server and PostgreSQL under
 * an installation of their own; deploys are published the way ingest publishes them, so that
 * concurrency the HTTP edge cannot produce (repeats after the stream's duplicate window, hundreds
 * at once across replicas, an alias accepted while its deploys arrive) is exercised.
 */
describe('deploy-tracker, two replicas, against nats-server and PostgreSQL', () => {
  const savedEnv = { ...process.env };
  const integrationId = uuidv7();
  let installation: TestInstallation;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let naming: Naming;
  let publisher: JetStreamPublisher;
  let rpc: RpcClient;
  let pg: Client;
  const replicas: NestFastifyApplication[] = [];

  async function call<T>(subject: string, body: object): Promise<T> {
    const reply = await rpc.request<T>(subject, body);
    if (!reply.ok) throw new Error(`${subject}: ${JSON.stringify(reply.error)}`);
    return reply.data;
  }

  function received(fields: Partial<DeployReceivedV1> = {}): DeployReceivedV1 {
    return {
      deployId: uuidv7(),
      integrationId,
      source: 'opslevel',
      receivedAt: new Date().toISOString(),
      description: 'a deploy',
      deployedAt: new Date().toISOString(),
      deployer: { name: 'ci' },
      ...fields,
    };
  }

  /** Publishes as ingest does; `messageId` stands for a repeat the stream no longer recognises. */
  async function publish(deploy: DeployReceivedV1, messageId = `deploy:${deploy.deployId}`): Promise<void> {
    await publisher.publish(SUBJECTS.deployReceived(), DeployReceived, deploy, { messageId });
  }

  async function sql<T>(query: string, params: unknown[] = []): Promise<T[]> {
    return (await pg.query(query, params)).rows as T[];
  }

  /** Until every deploy published so far has been handled and acknowledged. */
  async function settled(): Promise<void> {
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
  }

  beforeAll(async () => {
    installation = await createTestInstallation('deploy_tracker_int');
    naming = new Naming(installation.prefix);
    nc = await connect({ servers: installation.natsUrl });
    jsm = await jetstreamManager(nc);
    publisher = new JetStreamPublisher(nc, naming);
    rpc = new RpcClient(nc, naming);
    pg = new Client({ connectionString: installation.databaseUrl });
    await pg.connect();
    for (let i = 0; i < 2; i++) replicas.push(await startDeployTracker(installation));
  }, 90_000);

  afterAll(async () => {
    for (const app of replicas) await app.close();
    process.env = savedEnv;
    await pg?.end();
    await nc?.close();
    await installation?.cleanup();
  }, 60_000);

  it('numbers 200 deploys of one service 1 to 200, no gap and no repeat, while both replicas record them', async () => {
    const service = await call<ServiceView>(RPC.deployTracker.createService, {
      name: 'api-gateway',
      aliases: ['gateway', 'edge'],
    });
    // Under three aliases and without one (a change event of the integration's service), so that
    // the deploys do not simply queue on one alias's lock.
    const spellings = ['API-Gateway', 'gateway', 'edge', undefined];
    await Promise.all(
      Array.from({ length: 200 }, (_, i) => {
        const alias = spellings[i % spellings.length];
        return publish(
          alias === undefined
            ? received({ source: 'pagerduty', serviceId: service.id })
            : received({ service: alias }),
        );
      }),
    );
    await settled();
    const rows = await sql<{ deploy_number: string }>(
      `SELECT deploy_number FROM deploy_tracker.deploys WHERE service_id = $1`,
      [service.id],
    );
    expect(rows.map((r) => Number(r.deploy_number)).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 200 }, (_, i) => i + 1),
    );
  }, 60_000);

  it('records one deploy per dedup_id when repeats come after the stream stopped recognising them', async () => {
    const service = await call<ServiceView>(RPC.deployTracker.createService, { name: 'search' });
    const deploys = Array.from({ length: 10 }, () => received({ service: 'search', dedupId: 'run-4711' }));
    // Ten messages with ten message ids: the stream stores them all, deploy-tracker must not.
    await Promise.all(deploys.map((d, i) => publish(d, `deploy:beyond-window:${i}`)));
    await settled();
    const rows = await sql<{ deploy_number: string }>(
      `SELECT deploy_number FROM deploy_tracker.deploys WHERE integration_id = $1 AND dedup_id = 'run-4711'`,
      [integrationId],
    );
    expect(rows).toEqual([{ deploy_number: '1' }]);
    // The repeats took no number: the next deploy of the service is the second.
    await publish(received({ service: 'search' }));
    await settled();
    const numbers = await sql<{ deploy_number: string }>(
      `SELECT deploy_number FROM deploy_tracker.deploys WHERE service_id = $1 ORDER BY deploy_number`,
      [service.id],
    );
    expect(numbers.map((r) => r.deploy_number)).toEqual(['1', '2']);
  }, 60_000);

  it('links every deploy of an alias accepted while its deploys keep arriving, numbered in one sequence', async () => {
    const first = received({ service: 'newcomer' });
    await publish(first);
    const suggestion = await expectEventually(async () => {
      const page = await call<Page<ServiceSuggestionView>>(RPC.deployTracker.listSuggestions, {});
      const found = page.items.find((s) => s.alias === 'newcomer');
      expect(found).toBeDefined();
      return found as ServiceSuggestionView;
    });
    const arriving = Promise.all(
      Array.from({ length: 99 }, () => publish(received({ service: 'newcomer' }))),
    );
    const accepted = await call<AcceptedSuggestionView>(RPC.deployTracker.acceptSuggestion, {
      id: suggestion.id,
    });
    await arriving;
    await settled();
    const rows = await sql<{ service_id: string | null; deploy_number: string }>(
      `SELECT service_id, deploy_number FROM deploy_tracker.deploys WHERE alias_key = 'newcomer'`,
    );
    expect(rows).toHaveLength(100);
    expect(rows.filter((r) => r.service_id !== accepted.service.id)).toEqual([]);
    expect(rows.map((r) => Number(r.deploy_number)).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 100 }, (_, i) => i + 1),
    );
    const after = await call<Page<ServiceSuggestionView>>(RPC.deployTracker.listSuggestions, {
      status: 'accepted',
    });
    expect(after.items.find((s) => s.id === suggestion.id)).toMatchObject({
      status: 'accepted',
      serviceId: accepted.service.id,
    });
  }, 60_000);

  it('links an incident once, however often and in whatever order its changes are delivered', async () => {
    const service = await call<ServiceView>(RPC.deployTracker.createService, {
      name: 'orders',
      aliases: ['orders-api'],
    });
    const opened = new Date();
    const before = received({
      service: 'orders-api',
      deployedAt: new Date(opened.getTime() - 5 * 60_000).toISOString(),
    });
    await publish(before);
    await settled();
    const incidentId = uuidv7();
    const change = (
      kind: IncidentChangedV1['change'],
      status: 'triggered' | 'resolved',
    ): IncidentChangedV1 => ({
      change: kind,
      incident: {
        id: incidentId,
        number: 7,
        integrationId: uuidv7(),
        dedupKey: 'k',
        status,
        title: 'Orders failing',
        severity: 'error',
        alertCount: 1,
        openedAt: opened.toISOString(),
        lastEventAt: opened.toISOString(),
        service: 'Orders-API',
        resolvedAt: status === 'resolved' ? new Date(opened.getTime() + 60_000).toISOString() : null,
      },
    });
    const send = (c: IncidentChangedV1, id: string) =>
      publisher.publish(SUBJECTS.incident(c.change, incidentId), IncidentChanged, c, { messageId: id });
    await send(change('opened', 'triggered'), 'i1');
    await send(change('resolved', 'resolved'), 'i2');
    await send(change('opened', 'triggered'), 'i3-maintenance-over');
    const view = await expectEventually(async () => {
      const v = await call<IncidentSuspectsView>(RPC.deployTracker.incidentSuspects, { incidentId });
      expect(v.suspectDeploys).toHaveLength(1);
      return v;
    });
    expect(view).toMatchObject({ known: true, serviceId: service.id });
    expect(view.suspectDeploys[0]).toMatchObject({ id: before.deployId, secondsBefore: 300 });
    await expectEventually(async () => {
      const rows = await sql<{ status: string; resolved: boolean }>(
        `SELECT status, resolved_at IS NOT NULL AS resolved FROM deploy_tracker.incidents WHERE id = $1`,
        [incidentId],
      );
      // The last change in the stream wins: it re-announced the incident as opened.
      expect(rows).toEqual([{ status: 'triggered', resolved: false }]);
    });
    const links = await sql(`SELECT 1 FROM deploy_tracker.suspect_deploys WHERE incident_id = $1`, [
      incidentId,
    ]);
    expect(links).toHaveLength(1);
  }, 60_000);

  it('keeps the alias index equal to the table, and repairs it', async () => {
    const kv: KV = await new Kvm(nc).open(naming.bucket(KV_BUCKETS.serviceAliases));
    const service = await call<ServiceView>(RPC.deployTracker.createService, {
      name: 'inventory',
      aliases: ['stock'],
    });
    expect((await kv.get(aliasIndexKey('STOCK')))?.json()).toEqual({ serviceId: service.id, alias: 'stock' });
    await call(RPC.deployTracker.updateService, { id: service.id, aliases: ['warehouse'] });
    expect((await kv.get(aliasIndexKey('stock')))?.operation).toBe('DEL');
    expect((await kv.get(aliasIndexKey('warehouse')))?.json()).toMatchObject({ serviceId: service.id });

    await kv.put(aliasIndexKey('ghost'), JSON.stringify({ serviceId: service.id, alias: 'ghost' }));
    await kv.delete(aliasIndexKey('warehouse'));
    const repaired = await replicas[0]?.get(AliasIndexService).rebuild();
    expect(repaired).toBe(2);
    expect((await kv.get(aliasIndexKey('ghost')))?.operation).toBe('DEL');
    expect((await kv.get(aliasIndexKey('warehouse')))?.json()).toMatchObject({ serviceId: service.id });
    expect(await replicas[1]?.get(AliasIndexService).rebuild()).toBe(0);

    await call(RPC.deployTracker.deleteService, { id: service.id });
    expect((await kv.get(aliasIndexKey('inventory')))?.operation).toBe('DEL');
    expect((await kv.get(aliasIndexKey('warehouse')))?.operation).toBe('DEL');
  }, 60_000);
});
