import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateInboundMessages1763700000200 implements MigrationInterface {
  name = 'CreateInboundMessages1763700000200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "normalize"."inbound_messages" (
        "hook_id" text NOT NULL,
        "integration_id" uuid NOT NULL,
        "received_at" timestamptz NOT NULL,
        "outcome" text NOT NULL,
        "incident_id" uuid,
        "dedup_key" text,
        "rule" text,
        "detail" text,
        "headers" jsonb NOT NULL DEFAULT '{}'::jsonb,
        "body" text NOT NULL,
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "pk_inbound_messages" PRIMARY KEY ("hook_id")
      )`);
    await q.query(
      `CREATE INDEX "ix_inbound_messages_integration_received" ON "normalize"."inbound_messages" ("integration_id", "received_at")`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "normalize"."inbound_messages"`);
  }
}
