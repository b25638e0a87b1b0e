import type { JetStreamManager, JsMsg } from '@nats-io/jetstream';
import { createInbox, type NatsConnection } from '@nats-io/transport-node';
import type { ConsumerDefinition } from '@tocsin/contracts';
import type { PinoLogger } from 'nestjs-pino';
import type { DurableConsumer } from './naming';
import type { Lease } from './partition-leases';
import { toJsMsg } from './jsmsg';

/** A pull asks for messages for this long at most; the lease must outlast it. */
const PULL_EXPIRES_MS = 1_000;
/** Room kept between the end of the last pull and the end of the lease. */
const PULL_MARGIN_MS = 2_000;
/** How long past its expiry a pull whose end never arrived is waited for. */
const PULL_SLACK_MS = 1_000;
/** After an unclean takeover, time beyond the ack wait before the previous holder's deliveries count as expired. */
const TAKEOVER_MARGIN_MS = 2_000;

export interface PartitionConsumerDeps {
  nc: NatsConnection;
  jsm: () => Promise<JetStreamManager>;
  stream: string;
  def: ConsumerDefinition;
  durable: DurableConsumer;
  lease: Lease;
  /** Messages taken from the partition at most, per pull and per batch handed to `handle`. */
  batch: number;
  /** Handles and settles a batch, in stream order. */
  handle: (messages: JsMsg[], consumer: PartitionConsumer) => Promise<void>;
  /** Provisions the stream and durable again after they went missing. */
  repair: () => Promise<void>;
  logger: PinoLogger;
}

/**
 * Consumes one partition for as long as this replica holds its lease: pulls the partition's
 * messages in stream order (one pull at a time, each ending within PULL_EXPIRES_MS) and hands them
 * to `handle` in batches, one batch after another, while the next pull arrives.
 *
 * Only the lease holder pulls, so a partition's messages are handled in stream order even though
 * its durable lets many messages be pending. A pull is made only while the lease has more than
 * PULL_EXPIRES_MS + PULL_MARGIN_MS left, so everything a holder was handed reached it before its
 * lease could end. A new holder that finds messages still pending (its predecessor died holding
 * them) waits until they have been pending for longer than the ack wait: the server then hands
 * them out again before any newer message, and the inbox of the handler finds those its
 * predecessor had applied already.
 */
export class PartitionConsumer {
  private stopping = false;
  private abandoned = false;
  private readonly queue: JsMsg[] = [];
  private wake?: () => void;
  private pulling = false;
  private running?: Promise<void>;

  constructor(private readonly deps: PartitionConsumerDeps) {}

  get partition(): number {
    return this.deps.lease.partition;
  }

  /** Still consuming: neither stopping nor abandoned. */
  get active(): boolean {
    return !this.stopping && !this.abandoned;
  }

  /** The lease was lost: nothing more of the partition is settled here. */
  get lost(): boolean {
    return this.abandoned;
  }

  /** Whether the lease surely holds now, so this replica may tell the server it is still working. */
  get leaseHolds(): boolean {
    return !this.abandoned && this.deps.lease.remainingMs() > 0;
  }

  run(): Promise<void> {
    this.running ??= this.consume();
    return this.running;
  }

  /** Stops pulling, handles and settles what was pulled, then resolves. */
  stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    return this.running ?? Promise.resolve();
  }

  /** The lease is lost: stops at once; what is in hand stays unsettled for the next holder. */
  abandon(): void {
    this.abandoned = true;
    this.queue.length = 0;
    this.wake?.();
  }

  private async consume(): Promise<void> {
    await this.awaitPredecessor();
    this.pulling = true;
    const pulls = this.pull().finally(() => {
      this.pulling = false;
      this.wake?.();
    });
    while (!this.abandoned) {
      if (this.queue.length === 0) {
        if (!this.pulling) break;
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
        continue;
      }
      try {
        await this.deps.handle(this.queue.splice(0, this.deps.batch), this);
      } catch (error) {
        // Nothing of the partition may be handled past a batch left unsettled: give it up.
        this.deps.logger.error(
          { err: error, consumer: this.deps.def.durable, partition: this.partition },
          'handling a batch failed unexpectedly; giving the partition up',
        );
        this.abandon();
      }
    }
    await pulls;
  }

  /**
   * Pulls the partition while the lease allows: one pull request at a time, each asking for up to
   * `batch` messages within PULL_EXPIRES_MS, all answered to one inbox this consumer keeps for its
   * whole run. A message the server hands out therefore always lands here, even one that arrives
   * after its pull was given up on, so none is left pending behind newer ones; and the inbox is
   * closed only once the last pull has ended. No idle heartbeats: a pull is short, and a pull whose
   * end never arrives (a server restart) is given up after PULL_EXPIRES_MS + PULL_SLACK_MS.
   */
  private async pull(): Promise<void> {
    const { nc, stream, durable, lease, batch } = this.deps;
    const inbox = createInbox();
    let pending: { delivered: number; end: (how: 'ended' | 'missing') => void } | undefined;
    const sub = nc.subscribe(inbox, {
      callback: (error, msg) => {
        if (error) return;
        const code = msg.data.length === 0 ? (msg.headers?.code ?? 0) : 0;
        if (code !== 0) {
          // 408: the pull expired; 404/409: it ended otherwise; 503: no such consumer.
          if (code >= 300) pending?.end(code === 503 ? 'missing' : 'ended');
          return;
        }
        if (this.abandoned) return;
        this.queue.push(toJsMsg(msg));
        this.wake?.();
        if (pending && ++pending.delivered >= batch) pending.end('ended');
      },
    });
    const request = JSON.stringify({ batch, expires: PULL_EXPIRES_MS * 1_000_000 });
    const subject = `$JS.API.CONSUMER.MSG.NEXT.${stream}.${durable.name}`;
    try {
      while (this.active) {
        if (lease.remainingMs() < PULL_EXPIRES_MS + PULL_MARGIN_MS) {
          // Not renewed lately (NATS away?): no pull until it is, or until the lease is lost.
          await sleep(100);
          continue;
        }
        const ended = await new Promise<'ended' | 'missing' | 'silent'>((resolve) => {
          const timer = setTimeout(() => end('silent'), PULL_EXPIRES_MS + PULL_SLACK_MS);
          const end = (how: 'ended' | 'missing' | 'silent') => {
            clearTimeout(timer);
            pending = undefined;
            resolve(how);
          };
          pending = { delivered: 0, end };
          try {
            nc.publish(subject, request, { reply: inbox });
          } catch {
            // The connection is closed or draining: the timer ends this pull.
          }
        });
        if (ended !== 'ended' && this.active) {
          // No consumer answered the pull: it was deleted, or the server restarted.
          this.deps.logger.warn(
            { consumer: this.deps.def.durable, partition: this.partition, pull: ended },
            'a pull of the partition got no answer; provisioning its consumer again',
          );
          await this.deps.repair();
        }
      }
    } finally {
      sub.unsubscribe();
    }
  }

  /**
   * Waits, after taking the lease, until no message of the partition is pending with another
   * holder: at once when none is (the usual case: the last holder gave the lease back after
   * settling), else until they were all handed out long enough ago that the server redelivers
   * them before anything newer.
   */
  private async awaitPredecessor(): Promise<void> {
    const { jsm, stream, durable, def, lease } = this.deps;
    const deadline = lease.acquiredAt + def.ackWaitMs + TAKEOVER_MARGIN_MS;
    while (this.active && Date.now() < deadline) {
      try {
        const info = await (await jsm()).consumers.info(stream, durable.name);
        if (info.num_ack_pending === 0) return;
      } catch (error) {
        this.deps.logger.warn(
          { err: error, consumer: def.durable, partition: this.partition },
          'could not read the partition consumer; waiting',
        );
        await this.deps.repair();
      }
      await sleep(Math.min(1_000, Math.max(0, deadline - Date.now())));
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
