import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { KV } from '@nats-io/kv';
import { KV_BUCKETS, type IntegrationIndexEntryV1 } from '@tocsin/contracts';
import { JetStreamProvisioner } from '@tocsin/messaging';
import { DataSource } from 'typeorm';
import { Integration } from './integration.entity';

/**
 * Keeps the KV bucket that ingest watches (token hash → integration) equal to the integrations
 * table: written on every change, and rebuilt from the table at start, so a lost bucket heals.
 */
@Injectable()
export class IntegrationIndexService implements OnApplicationBootstrap {
  private readonly logger = new Logger(IntegrationIndexService.name);
  private kv?: KV;

  constructor(
    private readonly provisioner: JetStreamProvisioner,
    private readonly dataSource: DataSource,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const integrations = await this.dataSource.getRepository(Integration).find();
    for (const integration of integrations) await this.put(integration);
    this.logger.log(`token index holds ${integrations.length} integrations`);
  }

  private async bucket(): Promise<KV> {
    this.kv ??= await this.provisioner.ensureKv(KV_BUCKETS.integrations);
    return this.kv;
  }

  async put(integration: Integration): Promise<void> {
    const entry: IntegrationIndexEntryV1 = {
      integrationId: integration.id,
      kind: integration.kind,
      enabled: integration.enabled,
      ...(integration.signatureScheme && integration.signingSecret
        ? { signatureScheme: integration.signatureScheme, signingSecret: integration.signingSecret }
        : {}),
      ...(integration.debugUntil && integration.debugUntil.getTime() > Date.now()
        ? { debugUntil: integration.debugUntil.toISOString() }
        : {}),
      ...(integration.serviceId ? { serviceId: integration.serviceId } : {}),
    };
    await (await this.bucket()).put(integration.tokenHash, JSON.stringify(entry));
  }

  async remove(tokenHash: string): Promise<void> {
    await (await this.bucket()).delete(tokenHash);
  }
}
