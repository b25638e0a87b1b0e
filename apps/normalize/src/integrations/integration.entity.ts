import type { IntegrationKind } from '@tocsin/contracts';
import { Check, Column, Entity, PrimaryColumn, Unique } from 'typeorm';

@Entity({ name: 'integrations' })
@Unique('uq_integrations_token_hash', ['tokenHash'])
@Check('ck_integrations_kind', `"kind" IN ('alert', 'deploy')`)
export class Integration {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_integrations' })
  id: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text' })
  kind: IntegrationKind;

  @Column({ type: 'text', nullable: true })
  template: string | null;

  @Column({ type: 'boolean', default: true })
  enabled: boolean;

  /** sha256 of the token, hex: the token itself is shown once and never stored. */
  @Column({ name: 'token_hash', type: 'text' })
  tokenHash: string;

  @Column({ type: 'jsonb', default: {} })
  mapping: Record<string, unknown>;

  @Column({ name: 'escalation_policy_id', type: 'uuid', nullable: true })
  escalationPolicyId: string | null;

  @Column({ name: 'service_id', type: 'uuid', nullable: true })
  serviceId: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}
