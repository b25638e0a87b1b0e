import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Schedules and escalation policies, with the keys that keep what they name from being deleted. */
export class CreateOnCall1763700002300 implements MigrationInterface {
  name = 'CreateOnCall1763700002300';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "notifier"."schedules" (
        "id" uuid NOT NULL,
        "name" text NOT NULL,
        "description" text,
        "time_zone" text NOT NULL,
        "layers" jsonb NOT NULL,
        "overrides" jsonb NOT NULL,
        "feed_token_hash" text NOT NULL,
        "revision" integer NOT NULL DEFAULT 1,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "pk_schedules" PRIMARY KEY ("id"),
        CONSTRAINT "uq_schedules_feed_token_hash" UNIQUE ("feed_token_hash")
      )`);
    await q.query(`CREATE UNIQUE INDEX "uq_schedules_name" ON "notifier"."schedules" (lower("name"))`);
    await q.query(`
      CREATE TABLE "notifier"."schedule_users" (
        "schedule_id" uuid NOT NULL,
        "user_id" uuid NOT NULL,
        CONSTRAINT "pk_schedule_users" PRIMARY KEY ("schedule_id", "user_id"),
        CONSTRAINT "fk_schedule_users_schedule" FOREIGN KEY ("schedule_id")
          REFERENCES "notifier"."schedules" ("id") ON DELETE CASCADE,
        CONSTRAINT "fk_schedule_users_user" FOREIGN KEY ("user_id")
          REFERENCES "notifier"."users" ("id") ON DELETE RESTRICT
      )`);
    await q.query(`CREATE INDEX "ix_schedule_users_user" ON "notifier"."schedule_users" ("user_id")`);
    await q.query(`
      CREATE TABLE "notifier"."escalation_policies" (
        "id" uuid NOT NULL,
        "name" text NOT NULL,
        "description" text,
        "repeat" integer NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "pk_escalation_policies" PRIMARY KEY ("id"),
        CONSTRAINT "ck_escalation_policies_repeat" CHECK ("repeat" BETWEEN 0 AND 9)
      )`);
    await q.query(
      `CREATE UNIQUE INDEX "uq_escalation_policies_name" ON "notifier"."escalation_policies" (lower("name"))`,
    );
    await q.query(`
      CREATE TABLE "notifier"."escalation_steps" (
        "policy_id" uuid NOT NULL,
        "position" integer NOT NULL,
        "delay_minutes" integer NOT NULL,
        CONSTRAINT "pk_escalation_steps" PRIMARY KEY ("policy_id", "position"),
        CONSTRAINT "ck_escalation_steps_delay" CHECK ("delay_minutes" BETWEEN 1 AND 1440),
        CONSTRAINT "fk_escalation_steps_policy" FOREIGN KEY ("policy_id")
          REFERENCES "notifier"."escalation_policies" ("id") ON DELETE CASCADE
      )`);
    await q.query(`
      CREATE TABLE "notifier"."escalation_targets" (
        "policy_id" uuid NOT NULL,
        "step" integer NOT NULL,
        "position" integer NOT NULL,
        "type" text NOT NULL,
        "user_id" uuid,
        "team_id" uuid,
        "schedule_id" uuid,
        CONSTRAINT "pk_escalation_targets" PRIMARY KEY ("policy_id", "step", "position"),
        CONSTRAINT "ck_escalation_targets_type" CHECK ("type" IN ('user', 'team', 'schedule')),
        CONSTRAINT "ck_escalation_targets_one" CHECK (
          ("type" = 'user' AND "user_id" IS NOT NULL AND "team_id" IS NULL AND "schedule_id" IS NULL)
          OR ("type" = 'team' AND "team_id" IS NOT NULL AND "user_id" IS NULL AND "schedule_id" IS NULL)
          OR ("type" = 'schedule' AND "schedule_id" IS NOT NULL AND "user_id" IS NULL AND "team_id" IS NULL)),
        CONSTRAINT "fk_escalation_targets_policy" FOREIGN KEY ("policy_id")
          REFERENCES "notifier"."escalation_policies" ("id") ON DELETE CASCADE,
        CONSTRAINT "fk_escalation_targets_user" FOREIGN KEY ("user_id")
          REFERENCES "notifier"."users" ("id") ON DELETE RESTRICT,
        CONSTRAINT "fk_escalation_targets_team" FOREIGN KEY ("team_id")
          REFERENCES "notifier"."teams" ("id") ON DELETE RESTRICT,
        CONSTRAINT "fk_escalation_targets_schedule" FOREIGN KEY ("schedule_id")
          REFERENCES "notifier"."schedules" ("id") ON DELETE RESTRICT
      )`);
    for (const column of ['user', 'team', 'schedule']) {
      await q.query(
        `CREATE INDEX "ix_escalation_targets_${column}" ON "notifier"."escalation_targets" ("${column}_id")`,
      );
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'escalation_targets',
      'escalation_steps',
      'escalation_policies',
      'schedule_users',
      'schedules',
    ]) {
      await q.query(`DROP TABLE "notifier"."${table}"`);
    }
  }
}
