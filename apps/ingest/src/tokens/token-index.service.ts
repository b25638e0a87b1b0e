import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { KV } from '@nats-io/kv';
import type { QueuedIterator } from '@nats-io/transport-node';
import { KV_BUCKETS, type IntegrationIndexEntryV1, type IntegrationKind } from '@tocsin/contracts';
import { JetStreamProvisioner } from '@tocsin/messaging';
import { createHash } from 'node:crypto';

/**
 * The token index in memory: sha256(token) → integration, fed by a watch on the KV bucket that
 * normalize maintains. A change there is seen here within milliseconds; while NATS is away the
 * last copy keeps serving, and the watch resumes from the last revision it saw.
 */
@Injectable()
export class TokenIndexService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(TokenIndexService.name);
  private readonly entries = new Map<string, IntegrationIndexEntryV1>();
  private revision = 0;
  private loaded = false;
  private stopped = false;
  private watcher?: QueuedIterator<unknown>;

  constructor(private readonly provisioner: JetStreamProvisioner) {}

  async onApplicationBootstrap(): Promise<void> {
    const kv = await this.provisioner.ensureKv(KV_BUCKETS.integrations);
    if ((await kv.status()).values === 0) this.loaded = true;
    void this.follow(kv);
    const deadline = Date.now() + 10_000;
    while (!this.loaded && Date.now() < deadline) await sleep(20);
    this.loaded = true;
    this.logger.log(`token index loaded: ${this.entries.size} integrations`);
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    this.watcher?.stop();
  }

  /** The integration a token belongs to, if any. */
  lookup(token: string): IntegrationIndexEntryV1 | undefined {
    return this.entries.get(createHash('sha256').update(token).digest('hex'));
  }

  /** The integration of this kind a token belongs to, unless there is none or it is disabled. */
  findEnabled(token: string, kind: IntegrationKind): IntegrationIndexEntryV1 | undefined {
    const entry = this.lookup(token);
    return entry?.enabled && entry.kind === kind ? entry : undefined;
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
            this.entries.set(entry.key, entry.json<IntegrationIndexEntryV1>());
          } else {
            this.entries.delete(entry.key);
          }
          if (entry.delta === 0) this.loaded = true;
        }
      } catch (error) {
        if (!this.stopped)
          this.logger.warn(`token index watch interrupted, resuming: ${(error as Error).message}`);
      }
      if (!this.stopped) await sleep(500);
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
