import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Alerts inside incidents, grouping, the timeline, and maintenance windows. */
export class AddAlertsTimelineMaintenance1763700001200 implements MigrationInterface {
  name = 'AddAlertsTimelineMaintenance1763700001200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE "incident_state"."incidents"
        ADD "group_key" text,
        ADD "service" text,
        ADD "acknowledged_by" text,
        ADD "resolved_by" text,
        ADD "reopen_count" integer NOT NULL DEFAULT 0`);
    await q.query(`UPDATE "incident_state"."incidents" SET "group_key" = "dedup_key"`);
    await q.query(`ALTER TABLE "incident_state"."incidents" ALTER "group_key" SET NOT NULL`);
    await q.query(`DROP INDEX "incident_state"."uq_incidents_open_key"`);
    await q.query(
      `CREATE UNIQUE INDEX "uq_incidents_open_key" ON "incident_state"."incidents" ("integration_id", "group_key") WHERE "status" <> 'resolved'`,
    );
    await q.query(
      `CREATE INDEX "ix_incidents_key_resolved" ON "incident_state"."incidents" ("integration_id", "group_key", "resolved_at")`,
    );
    await q.query(`CREATE INDEX "ix_incidents_opened" ON "incident_state"."incidents" ("opened_at")`);
    await q.query(`
      CREATE TABLE "incident_state"."alerts" (
        "incident_id" uuid NOT NULL,
        "dedup_key" text NOT NULL,
        "status" text NOT NULL,
        "count" integer NOT NULL DEFAULT 1,
        "first_seen" timestamptz NOT NULL,
        "last_seen" timestamptz NOT NULL,
        "transitions" jsonb NOT NULL DEFAULT '[]'::jsonb,
        "flapping" boolean NOT NULL DEFAULT false,
        "quiet_at" timestamptz,
        CONSTRAINT "pk_alerts" PRIMARY KEY ("incident_id", "dedup_key"),
        CONSTRAINT "ck_alerts_status" CHECK ("status" IN ('firing', 'resolved')),
        CONSTRAINT "fk_alerts_incident" FOREIGN KEY ("incident_id")
          REFERENCES "incident_state"."incidents" ("id") ON DELETE CASCADE
      )`);
    await q.query(
      `CREATE INDEX "ix_alerts_quiet" ON "incident_state"."alerts" ("quiet_at") WHERE "flapping"`,
    );
    await q.query(`
      INSERT INTO "incident_state"."alerts" ("incident_id", "dedup_key", "status", "count", "first_seen", "last_seen")
      SELECT "id", "dedup_key", CASE WHEN "status" = 'resolved' THEN 'resolved' ELSE 'firing' END,
             "alert_count", "opened_at", "last_event_at"
      FROM "incident_state"."incidents"`);
    await q.query(`
      CREATE TABLE "incident_state"."timeline" (
        "id" bigserial NOT NULL,
        "incident_id" uuid NOT NULL,
        "at" timestamptz NOT NULL,
        "kind" text NOT NULL,
        "actor" text NOT NULL,
        "change" text,
        "outcome" text,
        "dedup_key" text,
        "hook_id" text,
        "detail" text,
        CONSTRAINT "pk_timeline" PRIMARY KEY ("id"),
        CONSTRAINT "ck_timeline_kind" CHECK ("kind" IN ('event', 'action', 'note', 'system')),
        CONSTRAINT "fk_timeline_incident" FOREIGN KEY ("incident_id")
          REFERENCES "incident_state"."incidents" ("id") ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX "ix_timeline_incident" ON "incident_state"."timeline" ("incident_id", "id")`);
    await q.query(`
      CREATE TABLE "incident_state"."maintenance_windows" (
        "id" uuid NOT NULL,
        "integration_id" uuid,
        "service" text,
        "starts_at" timestamptz NOT NULL,
        "ends_at" timestamptz NOT NULL,
        "reason" text,
        "created_by" text NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "ended" boolean NOT NULL DEFAULT false,
        CONSTRAINT "pk_maintenance_windows" PRIMARY KEY ("id"),
        CONSTRAINT "ck_maintenance_windows_scope" CHECK ("integration_id" IS NOT NULL OR "service" IS NOT NULL),
        CONSTRAINT "ck_maintenance_windows_span" CHECK ("ends_at" > "starts_at")
      )`);
    await q.query(
      `CREATE INDEX "ix_maintenance_windows_end" ON "incident_state"."maintenance_windows" ("ends_at") WHERE NOT "ended"`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "incident_state"."maintenance_windows"`);
    await q.query(`DROP TABLE "incident_state"."timeline"`);
    await q.query(`DROP TABLE "incident_state"."alerts"`);
    await q.query(`DROP INDEX "incident_state"."ix_incidents_opened"`);
    await q.query(`DROP INDEX "incident_state"."ix_incidents_key_resolved"`);
    await q.query(`DROP INDEX "incident_state"."uq_incidents_open_key"`);
    await q.query(
      `CREATE UNIQUE INDEX "uq_incidents_open_key" ON "incident_state"."incidents" ("integration_id", "dedup_key") WHERE "status" <> 'resolved'`,
    );
    await q.query(`
      ALTER TABLE "incident_state"."incidents"
        DROP COLUMN "group_key", DROP COLUMN "service", DROP COLUMN "acknowledged_by",
        DROP COLUMN "resolved_by", DROP COLUMN "reopen_count"`);
  }
}
