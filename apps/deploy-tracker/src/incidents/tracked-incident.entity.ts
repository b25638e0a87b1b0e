import type { IncidentStatus } from '@tocsin/contracts';
import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * What deploy-tracker keeps of an incident, from the changes incident-state announces: enough to
 * match it to a service and to deploys, and to measure the time to restore.
 */
@Entity({ name: 'incidents' })
@Check('ck_incidents_status', `"status" IN ('triggered', 'acknowledged', 'resolved')`)
@Index('ix_incidents_service_opened', ['serviceId', 'openedAt'])
@Index('ix_incidents_unlinked_alias', ['aliasKey'], { where: `"service_id" IS NULL` })
export class TrackedIncident {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_incidents' })
  id: string;

  @Column({
    type: 'bigint',
    transformer: { to: (v: number | undefined) => v, from: (v: string) => Number(v) },
  })
  number: number;

  @Column({ name: 'integration_id', type: 'uuid' })
  integrationId: string;

  @Column({ type: 'text' })
  title: string;

  @Column({ type: 'text' })
  status: IncidentStatus;

  /** The service its events named, as named. */
  @Column({ type: 'text', nullable: true })
  alias: string | null;

  @Column({ name: 'alias_key', type: 'text', nullable: true })
  aliasKey: string | null;

  @Column({ name: 'service_id', type: 'uuid', nullable: true })
  serviceId: string | null;

  @Column({ type: 'text', nullable: true })
  environment: string | null;

  @Column({ name: 'opened_at', type: 'timestamptz' })
  openedAt: Date;

  @Column({ name: 'resolved_at', type: 'timestamptz', nullable: true })
  resolvedAt: Date | null;

  /** The stream sequence of the last change applied: an older change arriving late is ignored. */
  @Column({
    name: 'last_sequence',
    type: 'bigint',
    transformer: { to: (v: number | undefined) => v, from: (v: string) => Number(v) },
  })
  lastSequence: number;
}
