import { SCHEMA_BY_APP } from '@tocsin/config';

const schema = SCHEMA_BY_APP['deploy-tracker'];

/** Qualified table names for the statements written in SQL. */
export const TABLES = {
  services: `"${schema}"."services"`,
  aliases: `"${schema}"."service_aliases"`,
  suggestions: `"${schema}"."service_suggestions"`,
  deploys: `"${schema}"."deploys"`,
  incidents: `"${schema}"."incidents"`,
  suspects: `"${schema}"."suspect_deploys"`,
} as const;

/** Takes the transaction-scoped lock of one alias: linking it and recording its deploys exclude each other. */
export async function lockAlias(
  em: { query: (sql: string, params: unknown[]) => Promise<unknown> },
  aliasKey: string,
): Promise<void> {
  await em.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`tocsin-alias:${aliasKey}`]);
}

/** PostgreSQL's unique_violation, and the constraint it names. */
export function uniqueViolation(error: unknown): string | null {
  const driverError = (error as { driverError?: { code?: string; constraint?: string } }).driverError;
  return driverError?.code === '23505' ? (driverError.constraint ?? '') : null;
}

/**
 * The rows an UPDATE … RETURNING answered. TypeORM's `query` answers an UPDATE or DELETE with
 * `[rows, rowCount]` and other statements with the rows themselves.
 */
export async function returning<T>(
  em: { query: (sql: string, params: unknown[]) => Promise<unknown> },
  sql: string,
  params: unknown[],
): Promise<T[]> {
  const result = await em.query(sql, params);
  if (!Array.isArray(result)) return [];
  return (Array.isArray(result[0]) ? result[0] : result) as T[];
}
