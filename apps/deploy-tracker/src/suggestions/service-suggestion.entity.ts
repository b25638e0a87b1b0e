import type { SuggestionStatus } from '@tocsin/contracts';
import { Check, Column, Entity, Index, PrimaryColumn, Unique } from 'typeorm';

/** An alias deploys used that no service has: offered to people as a service to create. */
@Entity({ name: 'service_suggestions' })
@Unique('uq_service_suggestions_alias_key', ['aliasKey'])
@Check('ck_service_suggestions_status', `"status" IN ('open', 'dismissed', 'accepted')`)
@Index('ix_service_suggestions_status_seen', ['status', 'lastSeenAt', 'id'])
export class ServiceSuggestion {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_service_suggestions' })
  id: string;

  @Column({ name: 'alias_key', type: 'text' })
  aliasKey: string;

  /** As the first deploy that used it spelled it. */
  @Column({ type: 'text' })
  alias: string;

  @Column({ name: 'deploy_count', type: 'integer', default: 0 })
  deployCount: number;

  @Column({ name: 'first_seen_at', type: 'timestamptz' })
  firstSeenAt: Date;

  @Column({ name: 'last_seen_at', type: 'timestamptz' })
  lastSeenAt: Date;

  /** The deploy number sequence of the alias until it joins a service. */
  @Column({
    name: 'last_deploy_number',
    type: 'bigint',
    default: 0,
    transformer: { to: (v: number | undefined) => v, from: (v: string) => Number(v) },
  })
  lastDeployNumber: number;

  @Column({ type: 'text', default: 'open' })
  status: SuggestionStatus;

  @Column({ name: 'service_id', type: 'uuid', nullable: true })
  serviceId: string | null;

  @Column({ name: 'resolved_at', type: 'timestamptz', nullable: true })
  resolvedAt: Date | null;
}
