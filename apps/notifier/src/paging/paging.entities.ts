import type { ContactKind, DeliveryStatus, IncidentSnapshotV1, NoticeKind } from '@tocsin/contracts';
import { Check, Column, Entity, Index, PrimaryColumn, Unique } from 'typeorm';

/** An incident's escalation: where it stands in its policy and when its next step is due. */
@Entity({ name: 'escalations' })
@Check('ck_escalations_status', `"status" IN ('active', 'stopped', 'exhausted')`)
@Index('uq_escalations_active', ['incidentId'], { unique: true, where: `"status" = 'active'` })
@Index('ix_escalations_due', ['nextAt'], { where: `"status" = 'active'` })
export class Escalation {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_escalations' })
  id: string;

  @Column({ name: 'incident_id', type: 'uuid' })
  incidentId: string;

  @Column({ name: 'policy_id', type: 'uuid' })
  policyId: string;

  /** The incident as it was when paging started: what the pages say. */
  @Column({ type: 'jsonb' })
  incident: IncidentSnapshotV1;

  @Column({ type: 'text' })
  status: 'active' | 'stopped' | 'exhausted';

  @Column({ name: 'stopped_reason', type: 'text', nullable: true })
  stoppedReason: string | null;

  @Column({ type: 'integer', default: 0 })
  repeat: number;

  @Column({ type: 'integer', default: 0 })
  step: number;

  /** When the step at (repeat, step) runs; null once stopped or exhausted. */
  @Column({ name: 'next_at', type: 'timestamptz', nullable: true })
  nextAt: Date | null;

  @Column({ name: 'started_at', type: 'timestamptz', default: () => 'now()' })
  startedAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}

/** One message to one contact method: the send queue and, once sent, the log. */
@Entity({ name: 'deliveries' })
@Unique('uq_deliveries_key', ['key'])
@Check('ck_deliveries_notice', `"notice" IN ('page', 'acknowledged', 'resolved')`)
@Check('ck_deliveries_status', `"status" IN ('queued', 'sending', 'sent', 'retrying', 'failed', 'cancelled')`)
@Index('ix_deliveries_due', ['nextAttemptAt'], { where: `"status" IN ('queued', 'sending', 'retrying')` })
@Index('ix_deliveries_incident', ['incidentId', 'createdAt'])
@Index('ix_deliveries_method_sent', ['contactMethodId', 'sentAt'])
@Index('ix_deliveries_reply', ['address', 'replyCode'], { where: `"reply_code" IS NOT NULL` })
export class Delivery {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_deliveries' })
  id: string;

  /** The idempotency key: planning the same page twice finds it and adds nothing. */
  @Column({ type: 'text' })
  key: string;

  @Column({ name: 'escalation_id', type: 'uuid', nullable: true })
  escalationId: string | null;

  @Column({ name: 'incident_id', type: 'uuid' })
  incidentId: string;

  @Column({ type: 'jsonb' })
  incident: IncidentSnapshotV1;

  @Column({ type: 'text' })
  notice: NoticeKind;

  /** Who acknowledged or resolved, for notices. */
  @Column({ type: 'text', nullable: true })
  actor: string | null;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @Column({ name: 'contact_method_id', type: 'uuid' })
  contactMethodId: string;

  @Column({ type: 'text' })
  channel: ContactKind;

  @Column({ type: 'text' })
  address: string;

  @Column({ type: 'integer', nullable: true })
  step: number | null;

  @Column({ type: 'integer', nullable: true })
  repeat: number | null;

  @Column({ type: 'text' })
  status: DeliveryStatus;

  @Column({ type: 'integer', default: 0 })
  attempts: number;

  @Column({ name: 'next_attempt_at', type: 'timestamptz' })
  nextAttemptAt: Date;

  /** While `sending`: when another notifier may take it over (this one died mid-send). */
  @Column({ name: 'lease_until', type: 'timestamptz', nullable: true })
  leaseUntil: Date | null;

  @Column({ name: 'provider_message_id', type: 'text', nullable: true })
  providerMessageId: string | null;

  @Column({ type: 'text', nullable: true })
  error: string | null;

  /** SMS pages: the number a reply starts with (`<code>a`) to act on this incident. */
  @Column({ name: 'reply_code', type: 'text', nullable: true })
  replyCode: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'sent_at', type: 'timestamptz', nullable: true })
  sentAt: Date | null;
}

/** Keys the notifier makes for itself at first start (the key that signs action links). */
@Entity({ name: 'secrets' })
export class Secret {
  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'pk_secrets' })
  name: string;

  @Column({ type: 'text' })
  value: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;
}
