import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A name deploys and alerts may use for a service; one alias belongs to one service. */
@Entity({ name: 'service_aliases' })
@Index('ix_service_aliases_service', ['serviceId'])
export class ServiceAlias {
  /** aliasKey(alias): trimmed, NFC, lower case. */
  @PrimaryColumn({ name: 'alias_key', type: 'text', primaryKeyConstraintName: 'pk_service_aliases' })
  aliasKey: string;

  /** As it was given. */
  @Column({ type: 'text' })
  alias: string;

  @Column({ name: 'service_id', type: 'uuid' })
  serviceId: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;
}
