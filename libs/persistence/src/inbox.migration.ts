import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The inbox: which message each consumer of this service has applied, written in the same
 * transaction as the change the message caused, with what the handler decided to publish.
 * Every service schema has one; PersistenceModule adds this migration to each.
 */
export class CreateInbox1763700000000 implements MigrationInterface {
  name = 'CreateInbox1763700000000';

  async up(q: QueryRunner): Promise<void> {
    const schema = q.connection.driver.schema as string;
    await q.query(`
      CREATE TABLE "${schema}"."inbox" (
        "consumer" text NOT NULL,
        "message_id" text NOT NULL,
        "result" jsonb,
        "applied_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "pk_inbox" PRIMARY KEY ("consumer", "message_id")
      )`);
    await q.query(`CREATE INDEX "ix_inbox_applied_at" ON "${schema}"."inbox" ("applied_at")`);
  }

  async down(q: QueryRunner): Promise<void> {
    const schema = q.connection.driver.schema as string;
    await q.query(`DROP TABLE "${schema}"."inbox"`);
  }
}
