import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateIntegrations1763700000100 implements MigrationInterface {
  name = 'CreateIntegrations1763700000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "normalize"."integrations" (
        "id" uuid NOT NULL,
        "name" text NOT NULL,
        "kind" text NOT NULL,
        "template" text,
        "enabled" boolean NOT NULL DEFAULT true,
        "token_hash" text NOT NULL,
        "mapping" jsonb NOT NULL DEFAULT '{}'::jsonb,
        "escalation_policy_id" uuid,
        "service_id" uuid,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "pk_integrations" PRIMARY KEY ("id"),
        CONSTRAINT "uq_integrations_token_hash" UNIQUE ("token_hash"),
        CONSTRAINT "ck_integrations_kind" CHECK ("kind" IN ('alert', 'deploy'))
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "normalize"."integrations"`);
  }
}
