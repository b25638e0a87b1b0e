import { jetstream, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';

/**
 * Reads every message a stream holds now, in stream order, through an ordered consumer (an
 * ephemeral consumer the client recreates on any gap), and hands each to `visit`.
 * With `headersOnly`, the server sends headers and metadata (subject, sequence, timestamp) only.
 */
export async function readStream(
  nc: NatsConnection,
  stream: string,
  visit: (message: JsMsg) => void,
  { headersOnly = false, timeoutMs = 120_000 }: { headersOnly?: boolean; timeoutMs?: number } = {},
): Promise<number> {
  const js = jetstream(nc, { timeout: 30_000 });
  const jsm = await js.jetstreamManager();
  const { state } = await jsm.streams.info(stream);
  if (state.messages === 0) return 0;
  const consumer = await js.consumers.get(stream, { headers_only: headersOnly });
  const messages = await consumer.consume({ max_messages: 2_048 });
  const timer = setTimeout(() => void messages.close(), timeoutMs);
  let read = 0;
  try {
    for await (const message of messages) {
      visit(message);
      read += 1;
      if (message.info.streamSequence >= state.last_seq) break;
    }
  } finally {
    clearTimeout(timer);
    await messages.close();
  }
  if (read < state.messages) {
    throw new Error(`read ${read} of the ${state.messages} messages of ${stream} within ${timeoutMs} ms`);
  }
  return read;
}

/** The stream timestamp of a message in milliseconds since the epoch (sub-millisecond precision). */
export function streamTimeMs(message: JsMsg): number {
  return message.info.timestampNanos / 1e6;
}
