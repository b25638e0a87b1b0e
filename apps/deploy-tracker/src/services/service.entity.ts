import { Column, Entity, PrimaryColumn, Unique } from 'typeorm';

const bigintNumber = {
  to: (v: number | undefined) => v,
  from: (v: string | null) => (v === null ? null : Number(v)),
};

/** A service of the catalog: what deploys and incidents are matched to. */
@Entity({ name: 'services' })
@Unique('uq_services_name_key', ['nameKey'])
export class Service {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_services' })
  id: string;

  @Column({ type: 'text' })
  name: string;

  /** aliasKey(name): names are unique whatever their case. */
  @Column({ name: 'name_key', type: 'text' })
  nameKey: string;

  @Column({ name: 'team_id', type: 'uuid', nullable: true })
  teamId: string | null;

  @Column({ name: 'escalation_policy_id', type: 'uuid', nullable: true })
  escalationPolicyId: string | null;

  @Column({ type: 'text', nullable: true })
  description: string | null;

  @Column({ type: 'jsonb', default: [] })
  links: { title: string; url: string }[];

  /** The last deploy number of the service's sequence; a deploy without one takes the next. */
  @Column({ name: 'last_deploy_number', type: 'bigint', default: 0, transformer: bigintNumber })
  lastDeployNumber: number;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}
