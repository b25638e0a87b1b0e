import { createTestInstallation, pendingSchemaChanges, type TestInstallation } from '@tocsin/testing';
import { IncidentEvent } from '../src/incident-events/incident-event.entity';
import { MIGRATIONS } from '../src/migrations';

describe('notifier schema', () => {
  let installation: TestInstallation;

  beforeAll(async () => {
    installation = await createTestInstallation('notifier_schema');
  });
  afterAll(() => installation.cleanup());

  it('is exactly what its entities describe once the migrations ran', async () => {
    const pending = await pendingSchemaChanges(installation.databaseUrl, {
      schema: 'notifier',
      entities: [IncidentEvent],
      migrations: MIGRATIONS,
    });
    expect(pending).toEqual([]);
  });
});
