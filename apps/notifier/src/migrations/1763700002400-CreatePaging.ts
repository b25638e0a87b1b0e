import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Escalations (the durable timers of paging), deliveries (the log and the send queue), and keys. */
export class CreatePaging1763700002400 implements MigrationInterface {
  name = 'CreatePaging1763700002400';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "notifier"."escalations" (
        "id" uuid NOT NULL,
        "incident_id" uuid NOT NULL,
        "policy_id" uuid NOT NULL,
        "incident" jsonb NOT NULL,
        "status" text NOT NULL,
        "stopped_reason" text,
        "repeat" integer NOT NULL DEFAULT 0,
        "step" integer NOT NULL DEFAULT 0,
        "next_at" timestamptz,
        "started_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "pk_escalations" PRIMARY KEY ("id"),
        CONSTRAINT "ck_escalations_status" CHECK ("status" IN ('active', 'stopped', 'exhausted'))
      )`);
    await q.query(
      `CREATE UNIQUE INDEX "uq_escalations_active" ON "notifier"."escalations" ("incident_id") WHERE "status" = 'active'`,
    );
    await q.query(
      `CREATE INDEX "ix_escalations_due" ON "notifier"."escalations" ("next_at") WHERE "status" = 'active'`,
    );
    await q.query(`
      CREATE TABLE "notifier"."deliveries" (
        "id" uuid NOT NULL,
        "key" text NOT NULL,
        "escalation_id" uuid,
        "incident_id" uuid NOT NULL,
        "incident" jsonb NOT NULL,
        "notice" text NOT NULL,
        "actor" text,
        "user_id" uuid NOT NULL,
        "contact_method_id" uuid NOT NULL,
        "channel" text NOT NULL,
        "address" text NOT NULL,
        "step" integer,
        "repeat" integer,
        "status" text NOT NULL,
        "attempts" integer NOT NULL DEFAULT 0,
        "next_attempt_at" timestamptz NOT NULL,
        "lease_until" timestamptz,
        "provider_message_id" text,
        "error" text,
        "reply_code" text,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "sent_at" timestamptz,
        CONSTRAINT "pk_deliveries" PRIMARY KEY ("id"),
        CONSTRAINT "uq_deliveries_key" UNIQUE ("key"),
        CONSTRAINT "ck_deliveries_notice" CHECK ("notice" IN ('page', 'acknowledged', 'resolved')),
        CONSTRAINT "ck_deliveries_status" CHECK ("status" IN ('queued', 'sending', 'sent', 'retrying', 'failed', 'cancelled'))
      )`);
    await q.query(
      `CREATE INDEX "ix_deliveries_due" ON "notifier"."deliveries" ("next_attempt_at") WHERE "status" IN ('queued', 'sending', 'retrying')`,
    );
    await q.query(
      `CREATE INDEX "ix_deliveries_incident" ON "notifier"."deliveries" ("incident_id", "created_at")`,
    );
    await q.query(
      `CREATE INDEX "ix_deliveries_method_sent" ON "notifier"."deliveries" ("contact_method_id", "sent_at")`,
    );
    await q.query(
      `CREATE INDEX "ix_deliveries_reply" ON "notifier"."deliveries" ("address", "reply_code") WHERE "reply_code" IS NOT NULL`,
    );
    await q.query(`
      CREATE TABLE "notifier"."secrets" (
        "name" text NOT NULL,
        "value" text NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "pk_secrets" PRIMARY KEY ("name")
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['secrets', 'deliveries', 'escalations'])
      await q.query(`DROP TABLE "notifier"."${table}"`);
  }
}
