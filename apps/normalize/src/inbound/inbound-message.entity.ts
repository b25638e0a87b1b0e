import type { InboundOutcome } from '@tocsin/contracts';
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** One accepted webhook and what became of it: the inbound log. */
@Entity({ name: 'inbound_messages' })
@Index('ix_inbound_messages_integration_received', ['integrationId', 'receivedAt'])
@Index('ix_inbound_messages_received', ['receivedAt'])
export class InboundMessage {
  @PrimaryColumn({ name: 'hook_id', type: 'text', primaryKeyConstraintName: 'pk_inbound_messages' })
  hookId: string;

  @Column({ name: 'integration_id', type: 'uuid' })
  integrationId: string;

  @Column({ name: 'received_at', type: 'timestamptz' })
  receivedAt: Date;

  @Column({ type: 'text' })
  outcome: InboundOutcome;

  @Column({ name: 'incident_id', type: 'uuid', nullable: true })
  incidentId: string | null;

  @Column({ name: 'dedup_key', type: 'text', nullable: true })
  dedupKey: string | null;

  @Column({ type: 'text', nullable: true })
  rule: string | null;

  @Column({ type: 'text', nullable: true })
  detail: string | null;

  @Column({ type: 'jsonb', default: {} })
  headers: Record<string, string>;

  @Column({ type: 'text' })
  body: string;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}
