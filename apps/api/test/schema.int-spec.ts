import { createTestInstallation, pendingSchemaChanges, type TestInstallation } from '@tocsin/testing';
import { ApiKey } from '../src/auth/api-key.entity';
import { MIGRATIONS } from '../src/migrations';

describe('api schema', () => {
  let installation: TestInstallation;

  beforeAll(async () => {
    installation = await createTestInstallation('api_schema');
  });
  afterAll(() => installation.cleanup());

  it('is exactly what its entities describe once the migrations ran', async () => {
    const pending = await pendingSchemaChanges(installation.databaseUrl, {
      schema: 'api',
      entities: [ApiKey],
      migrations: MIGRATIONS,
    });
    expect(pending).toEqual([]);
  });
});
