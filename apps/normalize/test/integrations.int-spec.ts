import { connect, type NatsConnection } from '@nats-io/transport-node';
import { NormalizeSettings } from '@tocsin/config';
import {
  CreateIntegrationRequest,
  DEFAULT_INCIDENT_POLICY,
  UpdateIntegrationRequest,
} from '@tocsin/contracts';
import { JetStreamProvisioner, Naming } from '@tocsin/messaging';
import { openDataSource } from '@tocsin/persistence';
import { createTestInstallation, type TestInstallation } from '@tocsin/testing';
import { plainToInstance } from 'class-transformer';
import type { DataSource } from 'typeorm';
import { IntegrationIndexService } from '../src/integrations/integration-index.service';
import { IntegrationsService } from '../src/integrations/integrations.service';
import { MappingsService } from '../src/integrations/mappings.service';
import { SCHEMA } from '../src/schema';

describe("an integration's incident policy", () => {
  let installation: TestInstallation;
  let dataSource: DataSource;
  let nc: NatsConnection;
  let integrations: IntegrationsService;

  // As the request handlers receive them: class instances made from the JSON.
  const create = (plain: object) =>
    integrations.create(
      plainToInstance(CreateIntegrationRequest, { name: 'Prometheus', kind: 'alert', ...plain }),
    );
  const update = (id: string, plain: object) =>
    integrations.update(plainToInstance(UpdateIntegrationRequest, { id, ...plain }));
  const stored = async (id: string): Promise<unknown> => {
    const [row] = await dataSource.query<{ incident_policy: unknown }[]>(
      `SELECT incident_policy FROM normalize.integrations WHERE id = $1`,
      [id],
    );
    return row?.incident_policy;
  };

  beforeAll(async () => {
    installation = await createTestInstallation('integrations');
    dataSource = await openDataSource(installation.databaseUrl, SCHEMA);
    nc = await connect({ servers: installation.natsUrl });
    const provisioner = new JetStreamProvisioner(nc, new Naming(installation.prefix), 1);
    const settings = Object.assign(new NormalizeSettings(), {
      TOCSIN_PUBLIC_URL: 'https://tocsin.example.com',
    });
    integrations = new IntegrationsService(
      dataSource,
      new IntegrationIndexService(provisioner, dataSource),
      new MappingsService(),
      settings,
    );
  }, 30_000);

  afterAll(async () => {
    await dataSource?.destroy();
    await nc?.close();
    await installation?.cleanup();
  }, 30_000);

  it('is the default for an integration created without one, and stores nothing', async () => {
    const created = await create({});
    expect(created.incidentPolicy).toEqual(DEFAULT_INCIDENT_POLICY);
    expect(await stored(created.id)).toEqual({});
    expect((await integrations.get(created.id)).incidentPolicy).toEqual(DEFAULT_INCIDENT_POLICY);
  });

  it('stores the fields a create sets, and shows them over the defaults', async () => {
    const created = await create({ incidentPolicy: { reopenWindowMinutes: 10, pageOnNewAlert: true } });
    expect(created.incidentPolicy).toEqual({
      ...DEFAULT_INCIDENT_POLICY,
      reopenWindowMinutes: 10,
      pageOnNewAlert: true,
    });
    expect(await stored(created.id)).toEqual({ reopenWindowMinutes: 10, pageOnNewAlert: true });
  });

  it('merges the fields a PATCH sets into the stored ones', async () => {
    const { id } = await create({ incidentPolicy: { reopenWindowMinutes: 10 } });
    const updated = await update(id, { incidentPolicy: { flapTransitions: 8, reopenWindowMinutes: 20 } });
    expect(updated.incidentPolicy).toEqual({
      ...DEFAULT_INCIDENT_POLICY,
      reopenWindowMinutes: 20,
      flapTransitions: 8,
    });
    expect(await stored(id)).toEqual({ reopenWindowMinutes: 20, flapTransitions: 8 });

    const renamed = await update(id, { name: 'Prometheus (prod)' });
    expect(renamed.incidentPolicy).toEqual(updated.incidentPolicy);
    expect((await update(id, { incidentPolicy: {} })).incidentPolicy).toEqual(updated.incidentPolicy);
  });

  it('keeps both of two PATCHes of different fields made at once', async () => {
    const { id } = await create({});
    await Promise.all([
      update(id, { incidentPolicy: { flapWindowMinutes: 5 } }),
      update(id, { incidentPolicy: { flapQuietMinutes: 7 } }),
      update(id, { incidentPolicy: { pageOnNewAlert: true } }),
    ]);
    expect(await stored(id)).toEqual({ flapWindowMinutes: 5, flapQuietMinutes: 7, pageOnNewAlert: true });
  });

  it('goes back to the defaults on a PATCH of null', async () => {
    const { id } = await create({ incidentPolicy: { flapTransitions: 8 } });
    expect((await update(id, { incidentPolicy: null })).incidentPolicy).toEqual(DEFAULT_INCIDENT_POLICY);
    expect(await stored(id)).toEqual({});
  });
});
