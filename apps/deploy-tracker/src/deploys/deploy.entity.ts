import type { DeployCommitV1, DeployerV1, DeployLinkV1, DeploySource } from '@tocsin/contracts';
import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** One deploy a pipeline reported. */
@Entity({ name: 'deploys' })
@Check('ck_deploys_source', `"source" IN ('opslevel', 'pagerduty')`)
@Index('uq_deploys_dedup', ['integrationId', 'dedupId'], { unique: true, where: `"dedup_id" IS NOT NULL` })
@Index('ix_deploys_deployed', ['deployedAt', 'id'])
@Index('ix_deploys_service_deployed', ['serviceId', 'deployedAt'])
@Index('ix_deploys_unlinked_alias', ['aliasKey'], { where: `"service_id" IS NULL` })
// (commit_sha text_pattern_ops), which TypeORM cannot describe: created by the migration.
@Index('ix_deploys_commit_sha', { synchronize: false })
export class Deploy {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_deploys' })
  id: string;

  @Column({ name: 'integration_id', type: 'uuid' })
  integrationId: string;

  @Column({ type: 'text' })
  source: DeploySource;

  /** Null while its alias names no service (a suggestion). */
  @Column({ name: 'service_id', type: 'uuid', nullable: true })
  serviceId: string | null;

  /** The alias the pipeline sent. */
  @Column({ type: 'text', nullable: true })
  alias: string | null;

  @Column({ name: 'alias_key', type: 'text', nullable: true })
  aliasKey: string | null;

  @Column({ type: 'text', nullable: true })
  environment: string | null;

  @Column({ name: 'deploy_number', type: 'text', nullable: true })
  deployNumber: string | null;

  @Column({ name: 'deployed_at', type: 'timestamptz' })
  deployedAt: Date;

  @Column({ name: 'received_at', type: 'timestamptz' })
  receivedAt: Date;

  @Column({ name: 'recorded_at', type: 'timestamptz', default: () => 'now()' })
  recordedAt: Date;

  @Column({ type: 'text' })
  description: string;

  @Column({ name: 'dedup_id', type: 'text', nullable: true })
  dedupId: string | null;

  @Column({ type: 'jsonb', nullable: true })
  deployer: DeployerV1 | null;

  @Column({ type: 'jsonb', nullable: true })
  commit: DeployCommitV1 | null;

  /** commit.sha in lower case, for the sha filter. */
  @Column({ name: 'commit_sha', type: 'text', nullable: true })
  commitSha: string | null;

  @Column({ name: 'deploy_url', type: 'text', nullable: true })
  deployUrl: string | null;

  @Column({ type: 'jsonb', default: [] })
  links: DeployLinkV1[];
}
