import type { Logger } from '@nestjs/common';
import type { KV } from '@nats-io/kv';
import type { QueuedIterator } from '@nats-io/transport-node';
import type { JetStreamProvisioner } from '@tocsin/messaging';

/**
 * A KV bucket's entries in memory, fed by a watch: a change in the bucket is seen within
 * milliseconds; while NATS is away the last copy keeps serving, and the watch resumes from the last
 * revision it saw. ingest answers from such copies, without a round trip on its hot path.
 */
export class KvMirror<T> {
  private readonly entries = new Map<string, T>();
  private revision = 0;
  private loaded = false;
  private stopped = false;
  private watcher?: QueuedIterator<unknown>;

  constructor(
    private readonly bucket: string,
    private readonly logger: Logger,
  ) {}

  /** Starts following the bucket; resolves once its current entries are in (at most 10 s). */
  async start(provisioner: JetStreamProvisioner): Promise<number> {
    const kv = await provisioner.ensureKv(this.bucket);
    if ((await kv.status()).values === 0) this.loaded = true;
    void this.follow(kv);
    const deadline = Date.now() + 10_000;
    while (!this.loaded && Date.now() < deadline) await sleep(20);
    this.loaded = true;
    return this.entries.size;
  }

  stop(): void {
    this.stopped = true;
    this.watcher?.stop();
  }

  get(key: string): T | undefined {
    return this.entries.get(key);
  }

  get ready(): boolean {
    return this.loaded;
  }

  private async follow(kv: KV): Promise<void> {
    while (!this.stopped) {
      try {
        const watcher = await kv.watch(this.revision > 0 ? { resumeFromRevision: this.revision + 1 } : {});
        this.watcher = watcher;
        for await (const entry of watcher) {
          this.revision = Math.max(this.revision, entry.revision);
          if (entry.operation === 'PUT') this.entries.set(entry.key, entry.json<T>());
          else this.entries.delete(entry.key);
          if (entry.delta === 0) this.loaded = true;
        }
      } catch (error) {
        if (!this.stopped)
          this.logger.warn(`watch of ${this.bucket} interrupted, resuming: ${(error as Error).message}`);
      }
      if (!this.stopped) await sleep(500);
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
