import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateIncidents1763700001100 implements MigrationInterface {
  name = 'CreateIncidents1763700001100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SEQUENCE "incident_state"."incidents_number_seq"`);
    await q.query(`
      CREATE TABLE "incident_state"."incidents" (
        "id" uuid NOT NULL,
        "number" bigint NOT NULL DEFAULT nextval('"incident_state"."incidents_number_seq"'),
        "integration_id" uuid NOT NULL,
        "service_id" uuid,
        "dedup_key" text NOT NULL,
        "status" text NOT NULL,
        "title" text NOT NULL,
        "description" text,
        "severity" text NOT NULL,
        "alert_count" integer NOT NULL DEFAULT 1,
        "opened_at" timestamptz NOT NULL,
        "acknowledged_at" timestamptz,
        "resolved_at" timestamptz,
        "last_event_at" timestamptz NOT NULL,
        CONSTRAINT "pk_incidents" PRIMARY KEY ("id"),
        CONSTRAINT "uq_incidents_number" UNIQUE ("number"),
        CONSTRAINT "ck_incidents_status" CHECK ("status" IN ('triggered', 'acknowledged', 'resolved'))
      )`);
    await q.query(
      `CREATE UNIQUE INDEX "uq_incidents_open_key" ON "incident_state"."incidents" ("integration_id", "dedup_key") WHERE "status" <> 'resolved'`,
    );
    await q.query(
      `CREATE INDEX "ix_incidents_status_number" ON "incident_state"."incidents" ("status", "number")`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "incident_state"."incidents"`);
    await q.query(`DROP SEQUENCE "incident_state"."incidents_number_seq"`);
  }
}
