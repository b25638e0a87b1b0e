import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Incident } from './incident.entity';

export type TimelineKind = 'event' | 'action' | 'note' | 'system';

/** Something that happened to an incident: an event, a person's action or note, a system change. */
@Entity({ name: 'timeline' })
@Check('ck_timeline_kind', `"kind" IN ('event', 'action', 'note', 'system')`)
@Index('ix_timeline_incident', ['incidentId', 'id'])
export class TimelineEntry {
  @PrimaryGeneratedColumn('increment', {
    type: 'bigint',
    primaryKeyConstraintName: 'pk_timeline',
  })
  id: string;

  @Column({ name: 'incident_id', type: 'uuid' })
  incidentId: string;

  @Column({ type: 'timestamptz' })
  at: Date;

  @Column({ type: 'text' })
  kind: TimelineKind;

  /** Who or what caused it: `hook:<hookId>`, `api:<key name>`, `system`. */
  @Column({ type: 'text' })
  actor: string;

  @Column({ type: 'text', nullable: true })
  change: string | null;

  @Column({ type: 'text', nullable: true })
  outcome: string | null;

  @Column({ name: 'dedup_key', type: 'text', nullable: true })
  dedupKey: string | null;

  @Column({ name: 'hook_id', type: 'text', nullable: true })
  hookId: string | null;

  @Column({ type: 'text', nullable: true })
  detail: string | null;

  @ManyToOne(() => Incident, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'incident_id', foreignKeyConstraintName: 'fk_timeline_incident' })
  incident?: Incident;
}
