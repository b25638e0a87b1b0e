import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AddApiKeyLastUsed1763700003200 implements MigrationInterface {
  name = 'AddApiKeyLastUsed1763700003200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "api"."api_keys" ADD "last_used_at" timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "api"."api_keys" DROP COLUMN "last_used_at"`);
  }
}
