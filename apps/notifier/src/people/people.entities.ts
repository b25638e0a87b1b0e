import type { ContactKind } from '@tocsin/contracts';
import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, Unique } from 'typeorm';

@Entity({ name: 'users' })
export class User {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_users' })
  id: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text' })
  email: string;

  @Column({ name: 'time_zone', type: 'text' })
  timeZone: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;
}

@Entity({ name: 'contact_methods' })
@Check('ck_contact_methods_kind', `"kind" IN ('email', 'sms', 'voice', 'push', 'webhook', 'slack')`)
@Unique('uq_contact_methods_address', ['userId', 'kind', 'address'])
export class ContactMethod {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_contact_methods' })
  id: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @Column({ type: 'text' })
  kind: ContactKind;

  /** The address as checked and normalized; for push, the subscription's endpoint. */
  @Column({ type: 'text' })
  address: string;

  @Column({ type: 'text', nullable: true })
  label: string | null;

  /** Push: the browser's subscription (endpoint and keys). */
  @Column({ type: 'jsonb', nullable: true })
  subscription: { endpoint: string; keys: { p256dh: string; auth: string } } | null;

  /** Webhooks: the key their requests are signed with. */
  @Column({ type: 'text', nullable: true })
  secret: string | null;

  @Column({ name: 'disabled_reason', type: 'text', nullable: true })
  disabledReason: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'fk_contact_methods_user' })
  user?: User;
}

@Entity({ name: 'notification_rules' })
@Check('ck_notification_rules_delay', `"delay_minutes" BETWEEN 0 AND 1440`)
@Unique('uq_notification_rules', ['contactMethodId', 'delayMinutes'])
@Index('ix_notification_rules_user', ['userId'])
export class NotificationRule {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_notification_rules' })
  id: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @Column({ name: 'contact_method_id', type: 'uuid' })
  contactMethodId: string;

  @Column({ name: 'delay_minutes', type: 'integer' })
  delayMinutes: number;

  @Column({ type: 'boolean', default: false })
  notices: boolean;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'fk_notification_rules_user' })
  user?: User;

  @ManyToOne(() => ContactMethod, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'contact_method_id', foreignKeyConstraintName: 'fk_notification_rules_method' })
  contactMethod?: ContactMethod;
}

@Entity({ name: 'teams' })
export class Team {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_teams' })
  id: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text', nullable: true })
  description: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;
}

@Entity({ name: 'team_members' })
@Index('ix_team_members_user', ['userId'])
export class TeamMember {
  @PrimaryColumn({ name: 'team_id', type: 'uuid', primaryKeyConstraintName: 'pk_team_members' })
  teamId: string;

  @PrimaryColumn({ name: 'user_id', type: 'uuid', primaryKeyConstraintName: 'pk_team_members' })
  userId: string;

  @ManyToOne(() => Team, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'team_id', foreignKeyConstraintName: 'fk_team_members_team' })
  team?: Team;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'fk_team_members_user' })
  user?: User;
}
