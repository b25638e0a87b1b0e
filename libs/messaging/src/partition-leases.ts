import { KvWatchInclude, type KV, type KvWatchEntry } from '@nats-io/kv';
import type { QueuedIterator } from '@nats-io/transport-node';
import type { PinoLogger } from 'nestjs-pino';

/** How leases on partitions are kept. */
export interface LeaseTiming {
  /** A lease not renewed for this long ends on its own: the KV bucket's TTL. */
  ttlMs: number;
  /** How often a holder renews its leases, says it is alive and looks for its fair share. */
  renewEveryMs: number;
}

export const LEASE_TIMING: LeaseTiming = { ttlMs: 10_000, renewEveryMs: 2_000 };

/** A partition this replica holds. */
export class Lease {
  /** The KV revision of the lease: renewing it is a compare-and-set on this. */
  revision: number;
  /** Local time at which the last successful renewal (or the creation) was sent. */
  renewedAt: number;
  readonly acquiredAt: number;

  constructor(
    readonly partition: number,
    revision: number,
    sentAt: number,
    private readonly ttlMs: number,
  ) {
    this.revision = revision;
    this.renewedAt = sentAt;
    this.acquiredAt = sentAt;
  }

  /**
   * How much longer the lease certainly holds. The server counts its TTL from when it stored the
   * renewal, which is later than when this replica sent it, so this errs on the short side.
   */
  remainingMs(now = Date.now()): number {
    return this.renewedAt + this.ttlMs - now;
  }
}

/** What the holder of the leases asks of the partitions' consumers. */
export interface LeaseHolder {
  /** A lease was taken: start consuming the partition. */
  acquired(lease: Lease): void;
  /** Stop consuming the partition cleanly (finish and settle what is in hand); resolves when done. */
  release(partition: number): Promise<void>;
  /** The lease is gone (taken over, or expired while unrenewed): stop at once, settle nothing more. */
  lost(partition: number): void;
}

/**
 * Leases on the partitions of one consumer definition, kept in a NATS KV bucket whose TTL ends a
 * lease its holder stopped renewing. Each replica takes its fair share, ceil(partitions ÷ live
 * replicas), from the partitions nobody holds, and gives back what it holds beyond that share, so
 * a replica that starts takes over half of the work of the one before it, and a replica that dies
 * leaves its partitions to the others once its leases expire.
 *
 * Keys: `l.<durable>.<partition>` (value: the holder) and `m.<durable>.<holder>` (presence).
 */
export class PartitionLeases {
  private readonly held = new Map<number, Lease>();
  private readonly releasing = new Set<number>();
  private timer?: NodeJS.Timeout;
  private ticking?: Promise<void>;
  private again = false;
  private stopped = false;
  /** The presence keys seen in the last round. */
  private members = new Set<string>();
  private readonly watches: QueuedIterator<KvWatchEntry>[] = [];

  constructor(
    private readonly kv: KV,
    private readonly durable: string,
    private readonly count: number,
    private readonly holderId: string,
    private readonly holder: LeaseHolder,
    private readonly logger: PinoLogger,
    private readonly timing: LeaseTiming = LEASE_TIMING,
  ) {}

  /**
   * Says this replica is present, waits half a renewal period so that replicas starting together
   * see each other (instead of one taking everything and giving half of it back), takes this
   * replica's share, then keeps the leases: a round every renewal period, and one at once when a
   * replica comes or goes or a lease is given back. Resolves once the first share is taken.
   */
  async start(): Promise<void> {
    await this.kv.put(this.memberKey(this.holderId), this.holderId).catch((error: unknown) => {
      this.logger.warn({ err: error, consumer: this.durable }, 'could not say this replica is present');
    });
    for (const filter of [`m.${this.durable}.*`, `l.${this.durable}.*`]) void this.watch(filter);
    await sleep(this.timing.renewEveryMs / 2);
    this.timer = setInterval(() => void this.tick(), this.timing.renewEveryMs);
    this.timer.unref();
    await this.tick();
  }

  /** Renews, gives back and takes leases; one round at a time, and one more if asked meanwhile. */
  tick(): Promise<void> {
    if (this.ticking) {
      this.again = true;
      return this.ticking;
    }
    this.ticking = (async () => {
      do {
        this.again = false;
        await this.round();
      } while (this.again && !this.stopped);
    })().finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  /**
   * Runs a round as soon as a replica appears or leaves, or a lease is given back (a lease that
   * expires says nothing: the periodic rounds find it).
   */
  private async watch(filter: string): Promise<void> {
    try {
      const entries = await this.kv.watch({ key: filter, include: KvWatchInclude.UpdatesOnly });
      this.watches.push(entries);
      if (this.stopped) entries.stop();
      for await (const entry of entries) {
        const member = entry.key.startsWith('m.');
        const arrived = member && entry.operation === 'PUT' && !this.members.has(entry.key);
        if (this.stopped || !(arrived || entry.operation !== 'PUT')) continue;
        if (member) this.members.add(entry.key);
        void this.tick();
      }
    } catch (error) {
      if (!this.stopped)
        this.logger.warn({ err: error, consumer: this.durable }, 'watching the leases stopped');
    }
  }

  /**
   * Stops renewing and taking leases, releases every partition cleanly (through the holder) and
   * deletes the leases and this replica's presence, so the others take over at once.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    for (const entries of this.watches) entries.stop();
    await this.ticking;
    await Promise.all([...this.held.keys()].map((p) => this.giveBack(p)));
    await this.kv.delete(this.memberKey(this.holderId)).catch(() => undefined);
  }

  private leaseKey(partition: number): string {
    return `l.${this.durable}.${partition}`;
  }

  private memberKey(holder: string): string {
    return `m.${this.durable}.${holder}`;
  }

  private async round(): Promise<void> {
    if (this.stopped) return;
    await this.renew();
    try {
      await this.kv.put(this.memberKey(this.holderId), this.holderId);
      // A listing may name a key twice (one written while it is listed): count each once.
      this.members = new Set(await this.list(`m.${this.durable}.*`));
      const taken = new Set(
        (await this.list(`l.${this.durable}.*`)).map((key) => Number(key.split('.').pop())),
      );
      if (this.stopped) return;
      const fair = Math.ceil(this.count / Math.max(1, this.members.size));
      const keeping = [...this.held.keys()].filter((p) => !this.releasing.has(p));
      if (keeping.length > fair) {
        for (const p of keeping.slice(fair)) void this.giveBack(p);
        return;
      }
      // Tries as many free partitions at once as are missing from the share, until it is full or
      // none is left (another replica may take some of them first).
      const free = shuffled(Array.from({ length: this.count }, (_, p) => p).filter((p) => !taken.has(p)));
      while (free.length > 0 && !this.stopped) {
        const missing = fair - (this.held.size - this.releasing.size);
        if (missing <= 0) break;
        await Promise.all(free.splice(0, missing).map((p) => this.take(p)));
      }
    } catch (error) {
      this.logger.warn({ err: error, consumer: this.durable }, 'could not tend the partition leases');
    }
  }

  /** Renews every held lease; a lease that another replica holds now, or that expired, is lost. */
  private async renew(): Promise<void> {
    await Promise.all(
      [...this.held.values()].map(async (lease) => {
        const sentAt = Date.now();
        try {
          lease.revision = await this.kv.update(
            this.leaseKey(lease.partition),
            this.holderId,
            lease.revision,
          );
          lease.renewedAt = sentAt;
        } catch (error) {
          // A wrong revision means the lease expired and was taken, or deleted. Anything else
          // (NATS away) leaves it to expire below unless a later round renews it in time.
          if (isWrongRevision(error)) this.lose(lease.partition, 'taken over');
        }
        if (this.held.get(lease.partition) === lease && lease.remainingMs() <= 0) {
          this.lose(lease.partition, 'expired');
        }
      }),
    );
  }

  private async take(partition: number): Promise<void> {
    const sentAt = Date.now();
    try {
      const revision = await this.kv.create(this.leaseKey(partition), this.holderId);
      const lease = new Lease(partition, revision, sentAt, this.timing.ttlMs);
      this.held.set(partition, lease);
      this.holder.acquired(lease);
    } catch (error) {
      // Another replica took it first.
      if (!isWrongRevision(error)) throw error;
    }
  }

  /**
   * Gives a lease up without a clean release (its consumer stopped with messages unsettled): the
   * next holder, this replica or another, waits for those as after a crash.
   */
  forfeit(partition: number): void {
    const lease = this.held.get(partition);
    if (!lease || this.releasing.has(partition)) return;
    this.held.delete(partition);
    void this.kv.delete(this.leaseKey(partition), { previousSeq: lease.revision }).catch(() => undefined);
  }

  private lose(partition: number, why: string): void {
    if (!this.held.delete(partition)) return;
    this.releasing.delete(partition);
    this.logger.warn({ consumer: this.durable, partition, why }, 'partition lease lost');
    this.holder.lost(partition);
  }

  /** Stops consuming a partition cleanly, then deletes its lease (renewed meanwhile by the rounds). */
  private async giveBack(partition: number): Promise<void> {
    if (this.releasing.has(partition)) return;
    this.releasing.add(partition);
    try {
      await this.holder.release(partition);
      const lease = this.held.get(partition);
      if (lease) {
        this.held.delete(partition);
        await this.kv
          .delete(this.leaseKey(partition), { previousSeq: lease.revision })
          .catch(() => undefined);
      }
    } finally {
      this.releasing.delete(partition);
    }
  }

  /**
   * The keys under `filter`, read within a renewal period. A listing ends on the server's word
   * that nothing is left; when keys expire between the count and the reading, that word may come
   * late or not at all, and a round waiting on it would stop every later round, renewals included,
   * until this replica's own leases expired. So a listing that takes too long is abandoned: the
   * round fails, and the next one lists afresh.
   */
  private async list(filter: string): Promise<string[]> {
    const listing = await this.kv.keys(filter);
    const keys: string[] = [];
    const limitMs = Math.max(1_000, this.timing.renewEveryMs);
    let timer: NodeJS.Timeout | undefined;
    const abandoned = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        listing.stop();
        reject(new Error(`listing ${filter} took longer than ${limitMs} ms`));
      }, limitMs);
    });
    try {
      await Promise.race([
        (async () => {
          for await (const key of listing) keys.push(key);
        })(),
        abandoned,
      ]);
    } finally {
      clearTimeout(timer);
    }
    return keys;
  }
}

/** JetStream's answer to a compare-and-set on a KV key whose revision moved on. */
function isWrongRevision(error: unknown): boolean {
  const text = error instanceof Error ? `${error.message} ${String((error as { code?: unknown }).code)}` : '';
  return /wrong last sequence|10071|key exists/i.test(text);
}

function shuffled<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
