import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Finds the inbound messages that touched an incident. */
export class IndexInboundEventsIncident1763700000500 implements MigrationInterface {
  name = 'IndexInboundEventsIncident1763700000500';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX "ix_inbound_events_incident" ON "normalize"."inbound_events" ("incident_id") WHERE "incident_id" IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "normalize"."ix_inbound_events_incident"`);
  }
}
