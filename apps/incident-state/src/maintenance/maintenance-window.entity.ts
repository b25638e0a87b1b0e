import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A time during which an integration's or a service's incidents are recorded but page nobody. */
@Entity({ name: 'maintenance_windows' })
@Check('ck_maintenance_windows_scope', `"integration_id" IS NOT NULL OR "service" IS NOT NULL`)
@Check('ck_maintenance_windows_span', `"ends_at" > "starts_at"`)
@Index('ix_maintenance_windows_end', ['endsAt'], { where: 'NOT "ended"' })
export class MaintenanceWindow {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_maintenance_windows' })
  id: string;

  @Column({ name: 'integration_id', type: 'uuid', nullable: true })
  integrationId: string | null;

  @Column({ type: 'text', nullable: true })
  service: string | null;

  @Column({ name: 'starts_at', type: 'timestamptz' })
  startsAt: Date;

  @Column({ name: 'ends_at', type: 'timestamptz' })
  endsAt: Date;

  @Column({ type: 'text', nullable: true })
  reason: string | null;

  @Column({ name: 'created_by', type: 'text' })
  createdBy: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  /** Set once the end has been handled: what was still open has paged. */
  @Column({ type: 'boolean', default: false })
  ended: boolean;
}
