import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { KV_BUCKETS, type IntegrationIndexEntryV1, type IntegrationKind } from '@tocsin/contracts';
import { JetStreamProvisioner } from '@tocsin/messaging';
import { createHash } from 'node:crypto';
import { KvMirror } from '../kv-mirror';

/**
 * The token index in memory: sha256(token) → integration, a copy of the KV bucket that normalize
 * maintains (see KvMirror).
 */
@Injectable()
export class TokenIndexService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(TokenIndexService.name);
  private readonly index = new KvMirror<IntegrationIndexEntryV1>(KV_BUCKETS.integrations, this.logger);

  constructor(private readonly provisioner: JetStreamProvisioner) {}

  async onApplicationBootstrap(): Promise<void> {
    const size = await this.index.start(this.provisioner);
    this.logger.log(`token index loaded: ${size} integrations`);
  }

  onApplicationShutdown(): void {
    this.index.stop();
  }

  /** The integration a token belongs to, if any. */
  lookup(token: string): IntegrationIndexEntryV1 | undefined {
    return this.index.get(createHash('sha256').update(token).digest('hex'));
  }

  /** The integration of this kind a token belongs to, unless there is none or it is disabled. */
  findEnabled(token: string, kind: IntegrationKind): IntegrationIndexEntryV1 | undefined {
    const entry = this.lookup(token);
    return entry?.enabled && entry.kind === kind ? entry : undefined;
  }

  async ping(): Promise<boolean> {
    return Promise.resolve(this.index.ready);
  }
}
