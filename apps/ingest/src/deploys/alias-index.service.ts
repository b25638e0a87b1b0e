import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { KV } from '@nats-io/kv';
import type { QueuedIterator } from '@nats-io/transport-node';
import { KV_BUCKETS, aliasIndexKey, type ServiceAliasEntryV1 } from '@tocsin/contracts';
import { JetStreamProvisioner } from '@tocsin/messaging';

/**
 * The service aliases in memory: sha256(aliasKey) → service, fed by a watch on the KV bucket that
 * deploy-tracker maintains. ingest answers `ok` or `no_service_found` from it without asking
 * deploy-tracker, and so answers while deploy-tracker is down. deploy-tracker resolves the alias
 * again when it records the deploy, so an answer given from a slightly old copy changes nothing
 * of what is recorded.
 */
@Injectable()
export class AliasIndexService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AliasIndexService.name);
  private readonly entries = new Map<string, ServiceAliasEntryV1>();
  private revision = 0;
  private loaded = false;
  private stopped = false;
  private watcher?: QueuedIterator<unknown>;

  constructor(private readonly provisioner: JetStreamProvisioner) {}

  async onApplicationBootstrap(): Promise<void> {
    const kv = await this.provisioner.ensureKv(KV_BUCKETS.serviceAliases);
    if ((await kv.status()).values === 0) this.loaded = true;
    void this.follow(kv);
    const deadline = Date.now() + 10_000;
    while (!this.loaded && Date.now() < deadline) await sleep(20);
    this.loaded = true;
    this.logger.log(`alias index loaded: ${this.entries.size} aliases`);
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    this.watcher?.stop();
  }

  /** The service an alias names (any spelling of it), if any. */
  lookup(alias: string): ServiceAliasEntryV1 | undefined {
    return this.entries.get(aliasIndexKey(alias));
  }

  async ping(): Promise<boolean> {
    return Promise.resolve(this.loaded);
  }

  private async follow(kv: KV): Promise<void> {
    while (!this.stopped) {
      try {
        const watcher = await kv.watch(this.revision > 0 ? { resumeFromRevision: this.revision + 1 } : {});
        this.watcher = watcher;
        for await (const entry of watcher) {
          this.revision = Math.max(this.revision, entry.revision);
          if (entry.operation === 'PUT') {
            this.entries.set(entry.key, entry.json<ServiceAliasEntryV1>());
          } else {
            this.entries.delete(entry.key);
          }
          if (entry.delta === 0) this.loaded = true;
        }
      } catch (error) {
        if (!this.stopped)
          this.logger.warn(`alias index watch interrupted, resuming: ${(error as Error).message}`);
      }
      if (!this.stopped) await sleep(500);
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
