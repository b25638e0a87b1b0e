import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import type { AlertStatus } from './incident-machine';
import { Incident } from './incident.entity';

/** One alert (a dedup key) inside an incident, with its count and recent transitions. */
@Entity({ name: 'alerts' })
@Check('ck_alerts_status', `"status" IN ('firing', 'resolved')`)
@Index('ix_alerts_quiet', ['quietAt'], { where: '"flapping"' })
export class Alert {
  @PrimaryColumn({ name: 'incident_id', type: 'uuid', primaryKeyConstraintName: 'pk_alerts' })
  incidentId: string;

  @PrimaryColumn({ name: 'dedup_key', type: 'text', primaryKeyConstraintName: 'pk_alerts' })
  dedupKey: string;

  @Column({ type: 'text' })
  status: AlertStatus;

  @Column({ type: 'integer', default: 1 })
  count: number;

  @Column({ name: 'first_seen', type: 'timestamptz' })
  firstSeen: Date;

  @Column({ name: 'last_seen', type: 'timestamptz' })
  lastSeen: Date;

  /** Times (ms since the epoch) of its firing/resolved transitions within the flapping window. */
  @Column({ type: 'jsonb', default: [] })
  transitions: number[];

  @Column({ type: 'boolean', default: false })
  flapping: boolean;

  /** When a flapping alert calms down if nothing happens before. */
  @Column({ name: 'quiet_at', type: 'timestamptz', nullable: true })
  quietAt: Date | null;

  @ManyToOne(() => Incident, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'incident_id', foreignKeyConstraintName: 'fk_alerts_incident' })
  incident?: Incident;
}
