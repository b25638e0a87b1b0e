import type { MessageType } from '@tocsin/contracts';
import type { JetStreamPublisher, PublishOptions } from '@tocsin/messaging';
import { performance } from 'node:perf_hooks';

/** One message as the project's publisher sends it: relative subject, payload and options. */
export interface Outgoing<P extends object> {
  subject: string;
  payload: P;
  options: PublishOptions;
}

export interface PublishReport {
  count: number;
  /** Copies the stream dropped as duplicates of an earlier Nats-Msg-Id (expected: 0). */
  duplicates: number;
  durationMs: number;
  /** Messages acknowledged per second over the whole publish. */
  rate: number;
}

/**
 * Publishes `count` messages as fast as JetStream acknowledges them, with up to `inFlight`
 * publishes awaiting their acknowledgement at any time. `build(i)` makes message i when it is sent.
 */
export async function publishAll<P extends object>(
  publisher: JetStreamPublisher,
  type: MessageType<P>,
  count: number,
  build: (i: number) => Outgoing<P>,
  inFlight: number,
): Promise<PublishReport> {
  const started = performance.now();
  let next = 0;
  let duplicates = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const message = build(next);
      next += 1;
      const result = await publisher.publish(message.subject, type, message.payload, message.options);
      if (result.duplicate) duplicates += 1;
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, worker));
  const durationMs = performance.now() - started;
  return { count, duplicates, durationMs, rate: count / (durationMs / 1000) };
}

/**
 * Publishes `count` messages at a steady `rate` per second: message i is sent when its time
 * (i / rate seconds after the start) has come, without waiting for earlier acknowledgements
 * (up to `maxInFlight` of them). Rejects with the first failed publish, after the others settled.
 */
export async function publishAtRate<P extends object>(
  publisher: JetStreamPublisher,
  type: MessageType<P>,
  count: number,
  rate: number,
  build: (i: number) => Outgoing<P>,
  maxInFlight = 4_096,
): Promise<PublishReport> {
  const started = performance.now();
  const pending = new Set<Promise<void>>();
  let duplicates = 0;
  const failed: { error: Error | null } = { error: null };
  let next = 0;
  while (next < count && failed.error === null) {
    const due = Math.min(count, Math.floor(((performance.now() - started) * rate) / 1000) + 1);
    while (next < due && failed.error === null) {
      if (pending.size >= maxInFlight) await Promise.race(pending);
      const message = build(next);
      next += 1;
      const sent: Promise<void> = publisher
        .publish(message.subject, type, message.payload, message.options)
        .then(
          (result) => {
            if (result.duplicate) duplicates += 1;
          },
          (error: unknown) => {
            failed.error ??= error instanceof Error ? error : new Error(String(error));
          },
        )
        .finally(() => pending.delete(sent));
      pending.add(sent);
    }
    const untilNext = (next * 1000) / rate - (performance.now() - started);
    if (untilNext > 0) await new Promise((resolve) => setTimeout(resolve, untilNext));
  }
  await Promise.all(pending);
  if (failed.error !== null) throw failed.error;
  const durationMs = performance.now() - started;
  return { count, duplicates, durationMs, rate: count / (durationMs / 1000) };
}
