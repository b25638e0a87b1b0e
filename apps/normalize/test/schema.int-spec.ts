import { createTestInstallation, pendingSchemaChanges, type TestInstallation } from '@tocsin/testing';
import { Integration } from '../src/integrations/integration.entity';
import { InboundMessage } from '../src/inbound/inbound-message.entity';
import { MIGRATIONS } from '../src/migrations';

describe('normalize schema', () => {
  let installation: TestInstallation;

  beforeAll(async () => {
    installation = await createTestInstallation('normalize_schema');
  });
  afterAll(() => installation.cleanup());

  it('is exactly what its entities describe once the migrations ran', async () => {
    const pending = await pendingSchemaChanges(installation.databaseUrl, {
      schema: 'normalize',
      entities: [Integration, InboundMessage],
      migrations: MIGRATIONS,
    });
    expect(pending).toEqual([]);
  });
});
