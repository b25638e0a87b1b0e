import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Signature checking and the debug switch on integrations; one row per event of an inbound message. */
export class AddSigningDebugAndInboundEvents1763700000300 implements MigrationInterface {
  name = 'AddSigningDebugAndInboundEvents1763700000300';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE "normalize"."integrations"
        ADD "signature_scheme" text,
        ADD "signing_secret" text,
        ADD "debug_until" timestamptz,
        ADD CONSTRAINT "ck_integrations_signing" CHECK (
          ("signature_scheme" IS NULL AND "signing_secret" IS NULL)
          OR ("signature_scheme" IN ('github', 'bitbucket', 'buildkite', 'buildkite-token', 'gitlab-token')
              AND "signing_secret" IS NOT NULL))`);
    await q.query(
      `CREATE INDEX "ix_inbound_messages_received" ON "normalize"."inbound_messages" ("received_at")`,
    );
    await q.query(`
      CREATE TABLE "normalize"."inbound_events" (
        "hook_id" text NOT NULL,
        "index" integer NOT NULL,
        "outcome" text NOT NULL,
        "action" text,
        "dedup_key" text,
        "dedup_key_fallback" boolean NOT NULL DEFAULT false,
        "title" text,
        "severity" text,
        "service" text,
        "rule" text,
        "incident_id" uuid,
        "detail" text,
        CONSTRAINT "pk_inbound_events" PRIMARY KEY ("hook_id", "index"),
        CONSTRAINT "fk_inbound_events_message" FOREIGN KEY ("hook_id")
          REFERENCES "normalize"."inbound_messages" ("hook_id") ON DELETE CASCADE
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "normalize"."inbound_events"`);
    await q.query(`DROP INDEX "normalize"."ix_inbound_messages_received"`);
    await q.query(`
      ALTER TABLE "normalize"."integrations"
        DROP CONSTRAINT "ck_integrations_signing",
        DROP COLUMN "signature_scheme",
        DROP COLUMN "signing_secret",
        DROP COLUMN "debug_until"`);
  }
}
