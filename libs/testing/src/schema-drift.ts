import { migrate, createDataSource, ensureDatabase, type SchemaOptions } from '@tocsin/persistence';
import { createTestInstallation, type TestInstallation } from './isolation';

/**
 * Applies a service's migrations to an empty database, then asks TypeORM what it would change to
 * match the entities: nothing, or the entities and migrations have drifted apart.
 */
export async function pendingSchemaChanges(databaseUrl: string, options: SchemaOptions): Promise<string[]> {
  await ensureDatabase(databaseUrl);
  const dataSource = createDataSource(databaseUrl, options);
  await dataSource.initialize();
  try {
    await migrate(dataSource, options.schema);
    const sql = await dataSource.driver.createSchemaBuilder().log();
    return sql.upQueries.map((q) => q.query);
  } finally {
    await dataSource.destroy();
  }
}

/** The drift check as a test suite of its own, for one service's schema. */
export function describeSchemaDrift(service: string, options: SchemaOptions): void {
  describe(`${service} schema`, () => {
    let installation: TestInstallation;

    beforeAll(async () => {
      installation = await createTestInstallation(`${service.replace(/-/g, '_')}_schema`);
    });
    afterAll(() => installation.cleanup());

    it('is exactly what its entities describe once the migrations ran', async () => {
      expect(await pendingSchemaChanges(installation.databaseUrl, options)).toEqual([]);
    });
  });
}
