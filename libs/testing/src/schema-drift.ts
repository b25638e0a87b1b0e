import { migrate, createDataSource, ensureDatabase, type SchemaOptions } from '@tocsin/persistence';

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
