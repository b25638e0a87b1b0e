import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Services and their aliases, suggestions, deploys, the incidents seen, and suspect deploys. */
export class CreateCatalogAndDeploys1763700004100 implements MigrationInterface {
  name = 'CreateCatalogAndDeploys1763700004100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "deploy_tracker"."services" (
        "id" uuid NOT NULL,
        "name" text NOT NULL,
        "name_key" text NOT NULL,
        "team_id" uuid,
        "escalation_policy_id" uuid,
        "description" text,
        "links" jsonb NOT NULL DEFAULT '[]',
        "last_deploy_number" bigint NOT NULL DEFAULT 0,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "pk_services" PRIMARY KEY ("id"),
        CONSTRAINT "uq_services_name_key" UNIQUE ("name_key")
      )`);
    await q.query(`
      CREATE TABLE "deploy_tracker"."service_aliases" (
        "alias_key" text NOT NULL,
        "alias" text NOT NULL,
        "service_id" uuid NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "pk_service_aliases" PRIMARY KEY ("alias_key")
      )`);
    await q.query(
      `CREATE INDEX "ix_service_aliases_service" ON "deploy_tracker"."service_aliases" ("service_id")`,
    );
    await q.query(`
      CREATE TABLE "deploy_tracker"."service_suggestions" (
        "id" uuid NOT NULL,
        "alias_key" text NOT NULL,
        "alias" text NOT NULL,
        "deploy_count" integer NOT NULL DEFAULT 0,
        "first_seen_at" timestamptz NOT NULL,
        "last_seen_at" timestamptz NOT NULL,
        "last_deploy_number" bigint NOT NULL DEFAULT 0,
        "status" text NOT NULL DEFAULT 'open',
        "service_id" uuid,
        "resolved_at" timestamptz,
        CONSTRAINT "pk_service_suggestions" PRIMARY KEY ("id"),
        CONSTRAINT "uq_service_suggestions_alias_key" UNIQUE ("alias_key"),
        CONSTRAINT "ck_service_suggestions_status" CHECK ("status" IN ('open', 'dismissed', 'accepted'))
      )`);
    await q.query(
      `CREATE INDEX "ix_service_suggestions_status_seen" ON "deploy_tracker"."service_suggestions" ("status", "last_seen_at", "id")`,
    );
    await q.query(`
      CREATE TABLE "deploy_tracker"."deploys" (
        "id" uuid NOT NULL,
        "integration_id" uuid NOT NULL,
        "source" text NOT NULL,
        "service_id" uuid,
        "alias" text,
        "alias_key" text,
        "environment" text,
        "deploy_number" text,
        "deployed_at" timestamptz NOT NULL,
        "received_at" timestamptz NOT NULL,
        "recorded_at" timestamptz NOT NULL DEFAULT now(),
        "description" text NOT NULL,
        "dedup_id" text,
        "deployer" jsonb,
        "commit" jsonb,
        "commit_sha" text,
        "deploy_url" text,
        "links" jsonb NOT NULL DEFAULT '[]',
        CONSTRAINT "pk_deploys" PRIMARY KEY ("id"),
        CONSTRAINT "ck_deploys_source" CHECK ("source" IN ('opslevel', 'pagerduty'))
      )`);
    // One deploy per dedup_id and integration, whatever the stream's duplicate window saw.
    await q.query(
      `CREATE UNIQUE INDEX "uq_deploys_dedup" ON "deploy_tracker"."deploys" ("integration_id", "dedup_id") WHERE "dedup_id" IS NOT NULL`,
    );
    await q.query(`CREATE INDEX "ix_deploys_deployed" ON "deploy_tracker"."deploys" ("deployed_at", "id")`);
    await q.query(
      `CREATE INDEX "ix_deploys_service_deployed" ON "deploy_tracker"."deploys" ("service_id", "deployed_at")`,
    );
    await q.query(
      `CREATE INDEX "ix_deploys_unlinked_alias" ON "deploy_tracker"."deploys" ("alias_key") WHERE "service_id" IS NULL`,
    );
    // Prefix searches on the sha (LIKE 'abc1%') under any collation.
    await q.query(
      `CREATE INDEX "ix_deploys_commit_sha" ON "deploy_tracker"."deploys" ("commit_sha" text_pattern_ops)`,
    );
    await q.query(`
      CREATE TABLE "deploy_tracker"."incidents" (
        "id" uuid NOT NULL,
        "number" bigint NOT NULL,
        "integration_id" uuid NOT NULL,
        "title" text NOT NULL,
        "status" text NOT NULL,
        "alias" text,
        "alias_key" text,
        "service_id" uuid,
        "environment" text,
        "opened_at" timestamptz NOT NULL,
        "resolved_at" timestamptz,
        "last_sequence" bigint NOT NULL,
        CONSTRAINT "pk_incidents" PRIMARY KEY ("id"),
        CONSTRAINT "ck_incidents_status" CHECK ("status" IN ('triggered', 'acknowledged', 'resolved'))
      )`);
    await q.query(
      `CREATE INDEX "ix_incidents_service_opened" ON "deploy_tracker"."incidents" ("service_id", "opened_at")`,
    );
    await q.query(
      `CREATE INDEX "ix_incidents_unlinked_alias" ON "deploy_tracker"."incidents" ("alias_key") WHERE "service_id" IS NULL`,
    );
    await q.query(`
      CREATE TABLE "deploy_tracker"."suspect_deploys" (
        "incident_id" uuid NOT NULL,
        "deploy_id" uuid NOT NULL,
        "seconds_before" integer NOT NULL,
        "reason" text NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "pk_suspect_deploys" PRIMARY KEY ("incident_id", "deploy_id")
      )`);
    await q.query(
      `CREATE INDEX "ix_suspect_deploys_deploy" ON "deploy_tracker"."suspect_deploys" ("deploy_id")`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "deploy_tracker"."suspect_deploys"`);
    await q.query(`DROP TABLE "deploy_tracker"."incidents"`);
    await q.query(`DROP TABLE "deploy_tracker"."deploys"`);
    await q.query(`DROP TABLE "deploy_tracker"."service_suggestions"`);
    await q.query(`DROP TABLE "deploy_tracker"."service_aliases"`);
    await q.query(`DROP TABLE "deploy_tracker"."services"`);
  }
}
