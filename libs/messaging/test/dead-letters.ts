import type { JetStreamManager } from '@nats-io/jetstream';
import { HEADERS, STREAMS } from '@tocsin/contracts';
import type { Naming } from '../src';

/** What the dead-letter stream of an installation holds, from each message's headers. */
export async function readDeadLetters(
  jsm: JetStreamManager,
  naming: Naming,
): Promise<{ hookId?: string; reason?: string; consumer?: string }[]> {
  const stream = naming.stream(STREAMS.deadLetters);
  const info = await jsm.streams.info(stream);
  const out = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
    const m = await jsm.streams.getMessage(stream, { seq });
    if (!m) continue;
    out.push({
      hookId: m.header.get(HEADERS.hookId),
      reason: m.header.get(HEADERS.deadLetterReason),
      consumer: m.header.get(HEADERS.deadLetterConsumer),
    });
  }
  return out;
}
