import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { KV_BUCKETS, aliasIndexKey, type ServiceAliasEntryV1 } from '@tocsin/contracts';
import { JetStreamProvisioner } from '@tocsin/messaging';
import { KvMirror } from '../kv-mirror';

/**
 * The service aliases in memory: sha256(aliasKey) → service, a copy of the KV bucket that
 * deploy-tracker maintains (see KvMirror). ingest answers `ok` or `no_service_found` from it without
 * asking deploy-tracker, and so answers while deploy-tracker is down. deploy-tracker resolves the
 * alias again when it records the deploy, so an answer given from a slightly old copy changes
 * nothing of what is recorded.
 */
@Injectable()
export class AliasIndexService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AliasIndexService.name);
  private readonly index = new KvMirror<ServiceAliasEntryV1>(KV_BUCKETS.serviceAliases, this.logger);

  constructor(private readonly provisioner: JetStreamProvisioner) {}

  async onApplicationBootstrap(): Promise<void> {
    const size = await this.index.start(this.provisioner);
    this.logger.log(`alias index loaded: ${size} aliases`);
  }

  onApplicationShutdown(): void {
    this.index.stop();
  }

  /** The service an alias names (any spelling of it), if any. */
  lookup(alias: string): ServiceAliasEntryV1 | undefined {
    return this.index.get(aliasIndexKey(alias));
  }

  async ping(): Promise<boolean> {
    return Promise.resolve(this.index.ready);
  }
}
