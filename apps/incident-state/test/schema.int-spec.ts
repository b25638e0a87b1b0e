import { createTestInstallation, pendingSchemaChanges, type TestInstallation } from '@tocsin/testing';
import { Incident } from '../src/incidents/incident.entity';
import { MIGRATIONS } from '../src/migrations';

describe('incident-state schema', () => {
  let installation: TestInstallation;

  beforeAll(async () => {
    installation = await createTestInstallation('incident_state_schema');
  });
  afterAll(() => installation.cleanup());

  it('is exactly what its entities describe once the migrations ran', async () => {
    const pending = await pendingSchemaChanges(installation.databaseUrl, {
      schema: 'incident_state',
      entities: [Incident],
      migrations: MIGRATIONS,
    });
    expect(pending).toEqual([]);
  });
});
