import { jetstream, type ConsumerMessages } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { HookOutcomeV1 } from '@tocsin/contracts';

/**
 * The outcomes one message on `hooks.outcome.*` carries: those of a transaction's events of one
 * integration (`hook.outcomes`), or one (`hook.outcome`, from an incident-state older than that).
 */
export function outcomesIn(envelope: { type?: string; payload?: unknown }): HookOutcomeV1[] {
  if (envelope.type === 'hook.outcomes') {
    return (envelope.payload as { outcomes?: HookOutcomeV1[] } | undefined)?.outcomes ?? [];
  }
  return envelope.type === 'hook.outcome' && envelope.payload ? [envelope.payload as HookOutcomeV1] : [];
}

/** Counts the outcomes the outcomes stream holds, as they are stored, from its first message on. */
export class OutcomeCounter {
  count = 0;

  private constructor(private readonly messages: ConsumerMessages) {}

  static async start(nc: NatsConnection, stream: string): Promise<OutcomeCounter> {
    const consumer = await jetstream(nc).consumers.get(stream);
    const counter = new OutcomeCounter(await consumer.consume({ max_messages: 2_048 }));
    void (async () => {
      for await (const message of counter.messages) {
        counter.count += outcomesIn(message.json()).length;
      }
    })();
    return counter;
  }

  async stop(): Promise<void> {
    await this.messages.close();
  }
}
