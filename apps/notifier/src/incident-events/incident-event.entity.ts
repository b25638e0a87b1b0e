import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** An incident change the notifier received: the input its escalations start from. */
@Entity({ name: 'incident_events' })
@Index('ix_incident_events_incident', ['incidentId', 'receivedAt'])
export class IncidentEvent {
  @PrimaryColumn({ name: 'message_id', type: 'text', primaryKeyConstraintName: 'pk_incident_events' })
  messageId: string;

  @Column({ name: 'incident_id', type: 'uuid' })
  incidentId: string;

  @Column({ type: 'text' })
  change: string;

  @Column({ type: 'text' })
  title: string;

  @Column({ name: 'received_at', type: 'timestamptz', default: () => 'now()' })
  receivedAt: Date;
}
