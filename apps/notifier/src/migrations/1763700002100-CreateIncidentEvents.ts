import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateIncidentEvents1763700002100 implements MigrationInterface {
  name = 'CreateIncidentEvents1763700002100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "notifier"."incident_events" (
        "message_id" text NOT NULL,
        "incident_id" uuid NOT NULL,
        "change" text NOT NULL,
        "title" text NOT NULL,
        "received_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "pk_incident_events" PRIMARY KEY ("message_id")
      )`);
    await q.query(
      `CREATE INDEX "ix_incident_events_incident" ON "notifier"."incident_events" ("incident_id", "received_at")`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "notifier"."incident_events"`);
  }
}
