import type { IncidentPolicyV1, IntegrationKind, SignatureScheme } from '@tocsin/contracts';
import { Check, Column, Entity, PrimaryColumn, Unique } from 'typeorm';

@Entity({ name: 'integrations' })
@Unique('uq_integrations_token_hash', ['tokenHash'])
@Check('ck_integrations_kind', `"kind" IN ('alert', 'deploy')`)
@Check(
  'ck_integrations_signing',
  `("signature_scheme" IS NULL AND "signing_secret" IS NULL)
          OR ("signature_scheme" IN ('github', 'bitbucket', 'buildkite', 'buildkite-token', 'gitlab-token')
              AND "signing_secret" IS NOT NULL)`,
)
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

  @Column({ name: 'signature_scheme', type: 'text', nullable: true })
  signatureScheme: SignatureScheme | null;

  /** The producer's shared secret: HMAC needs it in the clear, so it is stored, and never shown. */
  @Column({ name: 'signing_secret', type: 'text', nullable: true })
  signingSecret: string | null;

  /** Until then, every header of a hook is kept in the inbound log. */
  @Column({ name: 'debug_until', type: 'timestamptz', nullable: true })
  debugUntil: Date | null;

  @Column({ name: 'escalation_policy_id', type: 'uuid', nullable: true })
  escalationPolicyId: string | null;

  @Column({ name: 'service_id', type: 'uuid', nullable: true })
  serviceId: string | null;

  /** The fields of the incident policy this integration set; DEFAULT_INCIDENT_POLICY gives the rest. */
  @Column({ name: 'incident_policy', type: 'jsonb', default: {} })
  incidentPolicy: Partial<IncidentPolicyV1>;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}
