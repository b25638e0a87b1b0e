import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Users, how to reach them and when, and teams. */
export class CreatePeople1763700002200 implements MigrationInterface {
  name = 'CreatePeople1763700002200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "notifier"."users" (
        "id" uuid NOT NULL,
        "name" text NOT NULL,
        "email" text NOT NULL,
        "time_zone" text NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "pk_users" PRIMARY KEY ("id")
      )`);
    await q.query(`CREATE UNIQUE INDEX "uq_users_email" ON "notifier"."users" (lower("email"))`);
    await q.query(`
      CREATE TABLE "notifier"."contact_methods" (
        "id" uuid NOT NULL,
        "user_id" uuid NOT NULL,
        "kind" text NOT NULL,
        "address" text NOT NULL,
        "label" text,
        "subscription" jsonb,
        "secret" text,
        "disabled_reason" text,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "pk_contact_methods" PRIMARY KEY ("id"),
        CONSTRAINT "ck_contact_methods_kind" CHECK ("kind" IN ('email', 'sms', 'voice', 'push', 'webhook', 'slack')),
        CONSTRAINT "uq_contact_methods_address" UNIQUE ("user_id", "kind", "address"),
        CONSTRAINT "fk_contact_methods_user" FOREIGN KEY ("user_id") REFERENCES "notifier"."users" ("id") ON DELETE CASCADE
      )`);
    await q.query(`
      CREATE TABLE "notifier"."notification_rules" (
        "id" uuid NOT NULL,
        "user_id" uuid NOT NULL,
        "contact_method_id" uuid NOT NULL,
        "delay_minutes" integer NOT NULL,
        "notices" boolean NOT NULL DEFAULT false,
        CONSTRAINT "pk_notification_rules" PRIMARY KEY ("id"),
        CONSTRAINT "ck_notification_rules_delay" CHECK ("delay_minutes" BETWEEN 0 AND 1440),
        CONSTRAINT "uq_notification_rules" UNIQUE ("contact_method_id", "delay_minutes"),
        CONSTRAINT "fk_notification_rules_user" FOREIGN KEY ("user_id") REFERENCES "notifier"."users" ("id") ON DELETE CASCADE,
        CONSTRAINT "fk_notification_rules_method" FOREIGN KEY ("contact_method_id")
          REFERENCES "notifier"."contact_methods" ("id") ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX "ix_notification_rules_user" ON "notifier"."notification_rules" ("user_id")`);
    await q.query(`
      CREATE TABLE "notifier"."teams" (
        "id" uuid NOT NULL,
        "name" text NOT NULL,
        "description" text,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "pk_teams" PRIMARY KEY ("id")
      )`);
    await q.query(`CREATE UNIQUE INDEX "uq_teams_name" ON "notifier"."teams" (lower("name"))`);
    await q.query(`
      CREATE TABLE "notifier"."team_members" (
        "team_id" uuid NOT NULL,
        "user_id" uuid NOT NULL,
        CONSTRAINT "pk_team_members" PRIMARY KEY ("team_id", "user_id"),
        CONSTRAINT "fk_team_members_team" FOREIGN KEY ("team_id") REFERENCES "notifier"."teams" ("id") ON DELETE CASCADE,
        CONSTRAINT "fk_team_members_user" FOREIGN KEY ("user_id") REFERENCES "notifier"."users" ("id") ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX "ix_team_members_user" ON "notifier"."team_members" ("user_id")`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['team_members', 'teams', 'notification_rules', 'contact_methods', 'users']) {
      await q.query(`DROP TABLE "notifier"."${table}"`);
    }
  }
}
