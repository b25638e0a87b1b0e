import { connect, type NatsConnection } from '@nats-io/transport-node';
import { NormalizeSettings } from '@tocsin/config';
import { KV_BUCKETS, type IntegrationIndexEntryV1 } from '@tocsin/contracts';
import { JetStreamProvisioner, Naming } from '@tocsin/messaging';
import { openDataSource } from '@tocsin/persistence';
import { createTestInstallation, type TestInstallation } from '@tocsin/testing';
import { PinoLogger } from 'nestjs-pino';
import type { DataSource } from 'typeorm';
import { RetentionService } from '../src/inbound/retention.service';
import { IntegrationIndexService } from '../src/integrations/integration-index.service';
import { SCHEMA } from '../src/schema';

const DAY = 24 * 3600_000;

describe('the inbound log retention', () => {
  let installation: TestInstallation;
  let dataSource: DataSource;
  let nc: NatsConnection;
  let provisioner: JetStreamProvisioner;
  let retention: RetentionService;

  beforeAll(async () => {
    installation = await createTestInstallation('retention');
    dataSource = await openDataSource(installation.databaseUrl, SCHEMA);
    nc = await connect({ servers: installation.natsUrl });
    provisioner = new JetStreamProvisioner(nc, new Naming(installation.prefix), 1);
    const settings = Object.assign(new NormalizeSettings(), { INBOUND_RETENTION_DAYS: 3 });
    retention = new RetentionService(
      dataSource,
      new IntegrationIndexService(provisioner, dataSource),
      settings,
      new PinoLogger({ pinoHttp: { level: 'silent' } }),
    );
  }, 30_000);

  afterAll(async () => {
    await dataSource?.destroy();
    await nc?.close();
    await installation?.cleanup();
  }, 30_000);

  it('purges messages older than the retention with their events, and keeps the rest', async () => {
    const now = new Date('2026-11-21T12:00:00Z');
    const integrationId = '0195a8f0-0000-7000-8000-000000000001';
    const at = (daysAgo: number) => new Date(now.getTime() - daysAgo * DAY);
    for (const [hookId, daysAgo] of [
      ['old', 4],
      ['edge', 2.9],
      ['new', 0.1],
    ] as const) {
      await dataSource.query(
        `INSERT INTO normalize.inbound_messages (hook_id, integration_id, received_at, outcome, body)
         VALUES ($1, $2, $3, 'opened', '{}')`,
        [hookId, integrationId, at(daysAgo)],
      );
      await dataSource.query(
        `INSERT INTO normalize.inbound_events (hook_id, index, outcome) VALUES ($1, 0, 'opened')`,
        [hookId],
      );
    }
    await dataSource.query(
      `INSERT INTO normalize.inbox (consumer, message_id, applied_at) VALUES ('c', 'ancient', $1), ('c', 'recent', $2)`,
      [at(40), at(4)],
    );

    const report = await retention.purge(now);

    expect(report).toMatchObject({ messages: 1, inbox: 1 });
    const left = await dataSource.query<{ hook_id: string }[]>(
      `SELECT hook_id FROM normalize.inbound_messages ORDER BY hook_id`,
    );
    expect(left.map((r) => r.hook_id)).toEqual(['edge', 'new']);
    const events = await dataSource.query<{ hook_id: string }[]>(
      `SELECT hook_id FROM normalize.inbound_events ORDER BY hook_id`,
    );
    expect(events.map((r) => r.hook_id)).toEqual(['edge', 'new']);
    // Applied ids stay while a stream could still redeliver their message.
    const inbox = await dataSource.query<{ message_id: string }[]>(`SELECT message_id FROM normalize.inbox`);
    expect(inbox.map((r) => r.message_id)).toEqual(['recent']);
  }, 30_000);

  it('turns an expired debug switch off, in the table and in the index ingest reads', async () => {
    const now = new Date();
    const id = '0195a8f0-0000-7000-8000-000000000002';
    await dataSource.query(
      `INSERT INTO normalize.integrations (id, name, kind, token_hash, debug_until) VALUES ($1, 'x', 'alert', 'hash-1', $2)`,
      [id, new Date(now.getTime() - 1000)],
    );
    const kv = await provisioner.ensureKv(KV_BUCKETS.integrations);
    await kv.put(
      'hash-1',
      JSON.stringify({ integrationId: id, kind: 'alert', enabled: true, debugUntil: now.toISOString() }),
    );

    expect((await retention.purge(now)).debugSwitchedOff).toBe(1);

    const [row] = await dataSource.query<{ debug_until: Date | null }[]>(
      `SELECT debug_until FROM normalize.integrations WHERE id = $1`,
      [id],
    );
    expect(row?.debug_until).toBeNull();
    const entry = (await kv.get('hash-1'))?.json<IntegrationIndexEntryV1>();
    expect(entry).toEqual({ integrationId: id, kind: 'alert', enabled: true });
  }, 30_000);
});
