import { DeliverPolicy, jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { STREAMS, type ConsumerDefinition } from '@tocsin/contracts';
import type { DurableConsumer, Naming } from './naming';
import { intersectSubjects } from './subject-filter';

/** A message a durable consumer has not settled yet. */
export interface UnsettledMessage {
  sequence: number;
  data: Uint8Array;
}

/**
 * Reads what a durable consumer still has ahead of it, without taking it: messages on one subject
 * past the consumer's ack floor, through a short-lived ordered consumer. Used to show work that is
 * stored but not yet handled (the inbound log shows a hook from the moment ingest answered 202).
 */
export class JetStreamBacklog {
  constructor(
    private readonly nc: NatsConnection,
    private readonly naming: Naming,
  ) {}

  /**
   * Up to `max` messages on `subject` (relative) that `def` has not acked, oldest first. For a
   * partitioned definition, each partition whose filter overlaps `subject` is read past its own
   * ack floor.
   */
  async unsettled(def: ConsumerDefinition, subject: string, max: number): Promise<UnsettledMessage[]> {
    const stream = this.naming.stream(STREAMS[def.stream]);
    const jsm = await jetstreamManager(this.nc);
    const found: UnsettledMessage[] = [];
    for (const durable of this.naming.durables(def)) {
      const filter = intersectSubjects(durable.filterSubject, this.naming.subject(subject));
      if (filter !== undefined) found.push(...(await this.read(jsm, stream, durable, filter, max)));
    }
    return found.sort((a, b) => a.sequence - b.sequence).slice(0, max);
  }

  private async read(
    jsm: JetStreamManager,
    stream: string,
    durable: DurableConsumer,
    filter: string,
    max: number,
  ): Promise<UnsettledMessage[]> {
    const info = await jsm.consumers.info(stream, durable.name);
    // Nothing delivered-and-unacked and nothing waiting: the usual case costs this one request.
    if (info.num_pending + info.num_ack_pending === 0) return [];
    const reader = await jetstream(this.nc).consumers.get(stream, {
      filter_subjects: filter,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: info.ack_floor.stream_seq + 1,
    });
    try {
      const waiting = Math.min((await reader.info(true)).num_pending, max);
      if (waiting === 0) return [];
      const found: UnsettledMessage[] = [];
      const batch = await reader.fetch({ max_messages: waiting, expires: 2_000 });
      for await (const message of batch) {
        found.push({ sequence: message.seq, data: message.data });
        if (found.length >= waiting) break;
      }
      return found;
    } finally {
      await reader.delete().catch(() => undefined);
    }
  }
}
