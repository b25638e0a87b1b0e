import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A deploy of an incident's service that came shortly before the incident opened. */
@Entity({ name: 'suspect_deploys' })
@Index('ix_suspect_deploys_deploy', ['deployId'])
export class SuspectDeploy {
  @PrimaryColumn({ name: 'incident_id', type: 'uuid', primaryKeyConstraintName: 'pk_suspect_deploys' })
  incidentId: string;

  @PrimaryColumn({ name: 'deploy_id', type: 'uuid', primaryKeyConstraintName: 'pk_suspect_deploys' })
  deployId: string;

  /** From the deploy to the incident's opening. */
  @Column({ name: 'seconds_before', type: 'integer' })
  secondsBefore: number;

  @Column({ type: 'text' })
  reason: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;
}
