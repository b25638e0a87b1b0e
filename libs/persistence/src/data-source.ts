import { DataSource, type MigrationInterface, type MixedList, type EntitySchema } from 'typeorm';
import { DatabaseUnreachableError, ensureDatabase } from './database';
import { InboxEntry } from './inbox.entity';
import { CreateInbox1763700000000 } from './inbox.migration';

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- mirrors TypeORM's own entities option type
type EntityList = MixedList<Function | string | EntitySchema>;

export interface SchemaOptions {
  /** The PostgreSQL schema this service owns. */
  schema: string;
  entities: EntityList;
  migrations: (new () => MigrationInterface)[];
  /** Connections in the pool. */
  poolSize?: number;
}

/** A DataSource on the service's own schema, with the inbox added to its entities and migrations. */
export function createDataSource(url: string, options: SchemaOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    schema: options.schema,
    entities: [InboxEntry, ...(options.entities as unknown[] as (new () => unknown)[])],
    migrations: [CreateInbox1763700000000, ...options.migrations],
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    migrationsRun: false,
    logging: false,
    extra: { max: options.poolSize ?? 10, connectionTimeoutMillis: 5_000 },
  });
}

/**
 * Creates the database and schema when missing, connects, and runs pending migrations under an
 * advisory lock, so replicas starting together migrate once.
 */
export async function openDataSource(url: string, options: SchemaOptions): Promise<DataSource> {
  await ensureDatabase(url);
  const dataSource = createDataSource(url, options);
  try {
    await dataSource.initialize();
  } catch (error) {
    throw new DatabaseUnreachableError(url, error);
  }
  await migrate(dataSource, options.schema);
  return dataSource;
}

export async function migrate(dataSource: DataSource, schema: string): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock(hashtext($1))', [`tocsin-migrate:${schema}`]);
    await runner.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await runner
      .query('SELECT pg_advisory_unlock(hashtext($1))', [`tocsin-migrate:${schema}`])
      .catch(() => undefined);
    await runner.release();
  }
}
