import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateApiKeys1763700003100 implements MigrationInterface {
  name = 'CreateApiKeys1763700003100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "api"."api_keys" (
        "id" uuid NOT NULL,
        "name" text NOT NULL,
        "role" text NOT NULL,
        "key_hash" text NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "revoked_at" timestamptz,
        CONSTRAINT "pk_api_keys" PRIMARY KEY ("id"),
        CONSTRAINT "uq_api_keys_key_hash" UNIQUE ("key_hash"),
        CONSTRAINT "ck_api_keys_role" CHECK ("role" IN ('admin', 'responder', 'read-only'))
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "api"."api_keys"`);
  }
}
