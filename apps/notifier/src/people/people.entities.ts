import type { ContactKind } from '@tocsin/contracts';
import { Column, Entity, PrimaryColumn } from 'typeorm';

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
}

@Entity({ name: 'notification_rules' })
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
export class TeamMember {
  @PrimaryColumn({ name: 'team_id', type: 'uuid', primaryKeyConstraintName: 'pk_team_members' })
  teamId: string;

  @PrimaryColumn({ name: 'user_id', type: 'uuid', primaryKeyConstraintName: 'pk_team_members' })
  userId: string;
}
