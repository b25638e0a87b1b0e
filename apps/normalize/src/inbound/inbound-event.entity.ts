import type { EventAction, InboundOutcome, Severity } from '@tocsin/contracts';
import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { InboundMessage } from './inbound-message.entity';

/** One event (one element of `each`) of an inbound message, and what became of it. */
@Entity({ name: 'inbound_events' })
@Index('ix_inbound_events_incident', ['incidentId'], { where: '"incident_id" IS NOT NULL' })
export class InboundEvent {
  @PrimaryColumn({ name: 'hook_id', type: 'text', primaryKeyConstraintName: 'pk_inbound_events' })
  hookId: string;

  @PrimaryColumn({ type: 'integer', primaryKeyConstraintName: 'pk_inbound_events' })
  index: number;

  @Column({ type: 'text' })
  outcome: InboundOutcome;

  @Column({ type: 'text', nullable: true })
  action: EventAction | null;

  @Column({ name: 'dedup_key', type: 'text', nullable: true })
  dedupKey: string | null;

  @Column({ name: 'dedup_key_fallback', type: 'boolean', default: false })
  dedupKeyFallback: boolean;

  @Column({ type: 'text', nullable: true })
  title: string | null;

  @Column({ type: 'text', nullable: true })
  severity: Severity | null;

  @Column({ type: 'text', nullable: true })
  service: string | null;

  @Column({ type: 'text', nullable: true })
  rule: string | null;

  @Column({ name: 'incident_id', type: 'uuid', nullable: true })
  incidentId: string | null;

  @Column({ type: 'text', nullable: true })
  detail: string | null;

  @ManyToOne(() => InboundMessage, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'hook_id', foreignKeyConstraintName: 'fk_inbound_events_message' })
  message?: InboundMessage;
}
