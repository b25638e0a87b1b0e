import type { EscalationTargetType } from '@tocsin/contracts';
import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, Unique } from 'typeorm';
import { Team, User } from '../people/people.entities';

@Entity({ name: 'escalation_policies' })
@Check('ck_escalation_policies_repeat', `"repeat" BETWEEN 0 AND 9`)
export class PolicyRecord {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_escalation_policies' })
  id: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text', nullable: true })
  description: string | null;

  @Column({ type: 'integer' })
  repeat: number;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}

/** One step of a policy; `position` counts from 0. */
@Entity({ name: 'escalation_steps' })
@Check('ck_escalation_steps_delay', `"delay_minutes" BETWEEN 1 AND 1440`)
export class StepRecord {
  @PrimaryColumn({ name: 'policy_id', type: 'uuid', primaryKeyConstraintName: 'pk_escalation_steps' })
  policyId: string;

  @PrimaryColumn({ type: 'integer', primaryKeyConstraintName: 'pk_escalation_steps' })
  position: number;

  @Column({ name: 'delay_minutes', type: 'integer' })
  delayMinutes: number;

  @ManyToOne(() => PolicyRecord, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'policy_id', foreignKeyConstraintName: 'fk_escalation_steps_policy' })
  policy?: PolicyRecord;
}

/**
 * A schedule as written (`layers` and `overrides` are the definition validateSchedule checked). Each
 * change adds one to `revision`, which tells replicas to compile it again.
 */
@Entity({ name: 'schedules' })
@Unique('uq_schedules_feed_token_hash', ['feedTokenHash'])
export class ScheduleRecord {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_schedules' })
  id: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text', nullable: true })
  description: string | null;

  @Column({ name: 'time_zone', type: 'text' })
  timeZone: string;

  @Column({ type: 'jsonb' })
  layers: unknown[];

  @Column({ type: 'jsonb' })
  overrides: unknown[];

  /** sha256 of the feed token, hex: the token is shown once and never stored. */
  @Column({ name: 'feed_token_hash', type: 'text' })
  feedTokenHash: string;

  @Column({ type: 'integer', default: 1 })
  revision: number;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}

/** Every user a schedule names (in a layer or an override), so that such a user is not deleted. */
@Entity({ name: 'schedule_users' })
@Index('ix_schedule_users_user', ['userId'])
export class ScheduleUserRecord {
  @PrimaryColumn({ name: 'schedule_id', type: 'uuid', primaryKeyConstraintName: 'pk_schedule_users' })
  scheduleId: string;

  @PrimaryColumn({ name: 'user_id', type: 'uuid', primaryKeyConstraintName: 'pk_schedule_users' })
  userId: string;

  @ManyToOne(() => ScheduleRecord, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'schedule_id', foreignKeyConstraintName: 'fk_schedule_users_schedule' })
  schedule?: ScheduleRecord;

  @ManyToOne(() => User, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'fk_schedule_users_user' })
  user?: User;
}

/**
 * One target of a step. The target's id sits in the column of its type, with a foreign key that keeps
 * a user, team or schedule that a policy names from being deleted.
 */
@Entity({ name: 'escalation_targets' })
@Check('ck_escalation_targets_type', `"type" IN ('user', 'team', 'schedule')`)
@Check(
  'ck_escalation_targets_one',
  `("type" = 'user' AND "user_id" IS NOT NULL AND "team_id" IS NULL AND "schedule_id" IS NULL)
          OR ("type" = 'team' AND "team_id" IS NOT NULL AND "user_id" IS NULL AND "schedule_id" IS NULL)
          OR ("type" = 'schedule' AND "schedule_id" IS NOT NULL AND "user_id" IS NULL AND "team_id" IS NULL)`,
)
@Index('ix_escalation_targets_user', ['userId'])
@Index('ix_escalation_targets_team', ['teamId'])
@Index('ix_escalation_targets_schedule', ['scheduleId'])
export class TargetRecord {
  @PrimaryColumn({ name: 'policy_id', type: 'uuid', primaryKeyConstraintName: 'pk_escalation_targets' })
  policyId: string;

  @PrimaryColumn({ type: 'integer', primaryKeyConstraintName: 'pk_escalation_targets' })
  step: number;

  @PrimaryColumn({ type: 'integer', primaryKeyConstraintName: 'pk_escalation_targets' })
  position: number;

  @Column({ type: 'text' })
  type: EscalationTargetType;

  @Column({ name: 'user_id', type: 'uuid', nullable: true })
  userId: string | null;

  @Column({ name: 'team_id', type: 'uuid', nullable: true })
  teamId: string | null;

  @Column({ name: 'schedule_id', type: 'uuid', nullable: true })
  scheduleId: string | null;

  @ManyToOne(() => PolicyRecord, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'policy_id', foreignKeyConstraintName: 'fk_escalation_targets_policy' })
  policy?: PolicyRecord;

  @ManyToOne(() => User, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'fk_escalation_targets_user' })
  user?: User;

  @ManyToOne(() => Team, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'team_id', foreignKeyConstraintName: 'fk_escalation_targets_team' })
  team?: Team;

  @ManyToOne(() => ScheduleRecord, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'schedule_id', foreignKeyConstraintName: 'fk_escalation_targets_schedule' })
  schedule?: ScheduleRecord;
}
