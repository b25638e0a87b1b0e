import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Each integration's incident policy: the fields it set, the defaults apply to the others. */
export class AddIntegrationIncidentPolicy1763700000400 implements MigrationInterface {
  name = 'AddIntegrationIncidentPolicy1763700000400';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE "normalize"."integrations" ADD "incident_policy" jsonb NOT NULL DEFAULT '{}'::jsonb`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "normalize"."integrations" DROP COLUMN "incident_policy"`);
  }
}
