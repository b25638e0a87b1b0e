import { connect } from '@nats-io/transport-node';
import { Client } from 'pg';

export const TEST_NATS_URL = process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222';
export const TEST_DATABASE_SERVER =
  process.env['TEST_DATABASE_SERVER'] ?? 'postgres://postgres@127.0.0.1:5432';

/**
 * Fails, saying which and how to start it, when NATS (with JetStream) or PostgreSQL is not
 * reachable. Tests never skip for that reason.
 */
export async function assertBackbone(): Promise<void> {
  const problems: string[] = [];
  try {
    const nc = await connect({ servers: TEST_NATS_URL, timeout: 3_000 });
    const info = nc.info;
    await nc.close();
    if (!info?.jetstream)
      problems.push(`nats-server at ${TEST_NATS_URL} runs without JetStream: start it with -js`);
  } catch (error) {
    problems.push(
      `NATS is not reachable at ${TEST_NATS_URL} (${(error as Error).message}): start nats-server -js, or docker compose up -d nats`,
    );
  }
  const pg = new Client({
    connectionString: `${TEST_DATABASE_SERVER}/postgres`,
    connectionTimeoutMillis: 3_000,
  });
  try {
    await pg.connect();
    await pg.end();
  } catch (error) {
    problems.push(
      `PostgreSQL is not reachable at ${TEST_DATABASE_SERVER} (${(error as Error).message}): start it, or docker compose up -d postgres`,
    );
  }
  if (problems.length > 0) throw new Error(`the tests need NATS and PostgreSQL:\n  ${problems.join('\n  ')}`);
}
