import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  jetstreamManager,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  type JetStreamManager,
  type StreamConfig,
} from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import { STREAMS, type ConsumerDefinition, type StreamDefinition } from '@tocsin/contracts';
import type { DurableConsumer, Naming } from './naming';
import { RETIRED_DURABLES } from './retired-durables.constants';

const STREAM_NOT_FOUND = 10059;
const CONSUMER_NOT_FOUND = 10014;

/**
 * Creates Tocsin's streams, durable consumers and KV buckets, or brings them to the
 * configuration in libs/contracts. Every call is idempotent; replicas of a service may race.
 */
export class JetStreamProvisioner {
  private jsm?: JetStreamManager;

  constructor(
    private readonly nc: NatsConnection,
    private readonly naming: Naming,
    private readonly replicas: number,
  ) {}

  private async manager(): Promise<JetStreamManager> {
    this.jsm ??= await jetstreamManager(this.nc, { timeout: 10_000 });
    return this.jsm;
  }

  async ensureAllStreams(): Promise<void> {
    for (const def of Object.values(STREAMS)) await this.ensureStream(def);
  }

  async ensureStream(def: StreamDefinition): Promise<void> {
    const jsm = await this.manager();
    const wanted: Partial<StreamConfig> & { name: string } = {
      name: this.naming.stream(def),
      subjects: def.subjects.map((s) => this.naming.subject(s)),
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      discard: DiscardPolicy.Old,
      max_age: nanos(def.maxAgeMs),
      duplicate_window: nanos(def.duplicateWindowMs),
      num_replicas: this.replicas,
    };
    try {
      const info = await jsm.streams.info(wanted.name);
      const current = info.config;
      const same =
        JSON.stringify([...current.subjects].sort()) ===
          JSON.stringify([...(wanted.subjects ?? [])].sort()) &&
        current.max_age === wanted.max_age &&
        current.duplicate_window === wanted.duplicate_window &&
        current.num_replicas === wanted.num_replicas;
      if (!same) await jsm.streams.update(wanted.name, { ...current, ...wanted });
    } catch (error) {
      if (!isApiError(error, STREAM_NOT_FOUND)) throw error;
      try {
        await jsm.streams.add(wanted);
      } catch (addError) {
        // Another replica created it first with the same configuration: that is fine.
        if (!(addError instanceof JetStreamApiError)) throw addError;
        await jsm.streams.info(wanted.name);
      }
    }
  }

  /**
   * Creates the durable consumers of `def` (one, or one per partition) or brings them to its
   * configuration, then deletes the durables it replaced (RETIRED_DURABLES).
   */
  async ensureConsumer(def: ConsumerDefinition): Promise<void> {
    await Promise.all(this.naming.durables(def).map((durable) => this.ensureDurable(def, durable)));
    await this.deleteRetiredDurables(def);
  }

  /**
   * Creates one durable consumer of `def`, or brings it to the configuration. Every partition of a
   * partitioned definition gets the same settings, `max_ack_pending` included.
   */
  async ensureDurable(def: ConsumerDefinition, durable: DurableConsumer): Promise<void> {
    const jsm = await this.manager();
    const stream = this.naming.stream(STREAMS[def.stream]);
    const wanted = {
      durable_name: durable.name,
      filter_subject: durable.filterSubject,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: nanos(def.ackWaitMs),
      // Unlimited on the server: the transport counts deliveries itself and dead-letters at
      // def.maxDeliver, so a dead letter that cannot be stored yet is retried rather than lost.
      max_deliver: -1,
      max_ack_pending: def.maxAckPending,
    };
    try {
      const info = await jsm.consumers.info(stream, wanted.durable_name);
      const c = info.config;
      if (
        c.filter_subject !== wanted.filter_subject ||
        c.ack_wait !== wanted.ack_wait ||
        c.max_deliver !== -1 ||
        c.max_ack_pending !== wanted.max_ack_pending
      ) {
        await jsm.consumers.update(stream, wanted.durable_name, {
          filter_subject: wanted.filter_subject,
          ack_wait: wanted.ack_wait,
          max_deliver: -1,
          max_ack_pending: wanted.max_ack_pending,
        });
      }
    } catch (error) {
      if (!isApiError(error, CONSUMER_NOT_FOUND)) throw error;
      await jsm.consumers.add(stream, wanted);
    }
  }

  /** Deletes the retired durables that `def` replaced, where they still exist. */
  async deleteRetiredDurables(def: ConsumerDefinition): Promise<void> {
    const jsm = await this.manager();
    const stream = this.naming.stream(STREAMS[def.stream]);
    for (const retired of RETIRED_DURABLES) {
      if (retired.replacedBy !== def.durable) continue;
      try {
        await jsm.consumers.delete(stream, this.naming.durable(retired));
      } catch (error) {
        if (!isApiError(error, CONSUMER_NOT_FOUND)) throw error;
      }
    }
  }

  /** A KV bucket; with `ttlMs`, a key not written for that long goes away. */
  async ensureKv(name: string, options: { ttlMs?: number } = {}): Promise<KV> {
    return new Kvm(this.nc).create(this.naming.bucket(name), {
      history: 1,
      replicas: this.replicas,
      ...(options.ttlMs ? { ttl: options.ttlMs } : {}),
    });
  }

  /** Removes every stream of this installation: test runs call it to clean up after themselves. */
  async deleteAllStreams(): Promise<void> {
    const jsm = await this.manager();
    for await (const name of jsm.streams.names()) {
      if (name.startsWith(`${this.naming.prefix}-`) || name.startsWith(`KV_${this.naming.prefix}-`)) {
        await jsm.streams.delete(name);
      }
    }
  }
}

function isApiError(error: unknown, code: number): boolean {
  return error instanceof JetStreamApiError && error.code === code;
}
