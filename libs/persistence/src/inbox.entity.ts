import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

@Entity({ name: 'inbox' })
@Index('ix_inbox_applied_at', ['appliedAt'])
export class InboxEntry {
  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'pk_inbox' })
  consumer: string;

  @PrimaryColumn({ name: 'message_id', type: 'text', primaryKeyConstraintName: 'pk_inbox' })
  messageId: string;

  @Column({ type: 'jsonb', nullable: true })
  result: unknown;

  @Column({ name: 'applied_at', type: 'timestamptz', default: () => 'now()' })
  appliedAt: Date;
}
