import type { IncidentStatus, Severity } from '@tocsin/contracts';
import { Check, Column, Entity, Generated, Index, PrimaryColumn, Unique } from 'typeorm';

@Entity({ name: 'incidents' })
@Unique('uq_incidents_number', ['number'])
@Check('ck_incidents_status', `"status" IN ('triggered', 'acknowledged', 'resolved')`)
@Index('uq_incidents_open_key', ['integrationId', 'dedupKey'], {
  unique: true,
  where: `"status" <> 'resolved'`,
})
@Index('ix_incidents_status_number', ['status', 'number'])
export class Incident {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_incidents' })
  id: string;

  /** Sequential per installation (#42); assigned by the database. */
  @Generated('increment')
  @Column({
    type: 'bigint',
    transformer: { to: (v: number | undefined) => v, from: (v: string) => Number(v) },
  })
  number: number;

  @Column({ name: 'integration_id', type: 'uuid' })
  integrationId: string;

  @Column({ name: 'service_id', type: 'uuid', nullable: true })
  serviceId: string | null;

  @Column({ name: 'dedup_key', type: 'text' })
  dedupKey: string;

  @Column({ type: 'text' })
  status: IncidentStatus;

  @Column({ type: 'text' })
  title: string;

  @Column({ type: 'text', nullable: true })
  description: string | null;

  @Column({ type: 'text' })
  severity: Severity;

  @Column({ name: 'alert_count', type: 'integer', default: 1 })
  alertCount: number;

  @Column({ name: 'opened_at', type: 'timestamptz' })
  openedAt: Date;

  @Column({ name: 'acknowledged_at', type: 'timestamptz', nullable: true })
  acknowledgedAt: Date | null;

  @Column({ name: 'resolved_at', type: 'timestamptz', nullable: true })
  resolvedAt: Date | null;

  @Column({ name: 'last_event_at', type: 'timestamptz' })
  lastEventAt: Date;
}
