import type { IncidentStatus, Severity } from '@tocsin/contracts';
import { Check, Column, Entity, Generated, Index, PrimaryColumn, Unique } from 'typeorm';

@Entity({ name: 'incidents' })
@Unique('uq_incidents_number', ['number'])
@Check('ck_incidents_status', `"status" IN ('triggered', 'acknowledged', 'resolved')`)
@Index('uq_incidents_open_key', ['integrationId', 'groupKey'], {
  unique: true,
  where: `"status" <> 'resolved'`,
})
@Index('ix_incidents_status_number', ['status', 'number'])
@Index('ix_incidents_key_resolved', ['integrationId', 'groupKey', 'resolvedAt'])
@Index('ix_incidents_opened', ['openedAt'])
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

  /** The dedup key of the alert that opened it. */
  @Column({ name: 'dedup_key', type: 'text' })
  dedupKey: string;

  /** The incident's key within its integration: the group key of its alerts, or their dedup key. */
  @Column({ name: 'group_key', type: 'text' })
  groupKey: string;

  /** The service the mapping named (an alias, until deploy-tracker resolves it). */
  @Column({ type: 'text', nullable: true })
  service: string | null;

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

  @Column({ name: 'acknowledged_by', type: 'text', nullable: true })
  acknowledgedBy: string | null;

  @Column({ name: 'resolved_by', type: 'text', nullable: true })
  resolvedBy: string | null;

  @Column({ name: 'reopen_count', type: 'integer', default: 0 })
  reopenCount: number;
}
