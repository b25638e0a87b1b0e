import { jetstream, type ConsumerMessages } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { outcomesCarried } from '@tocsin/contracts';

/** Counts the outcomes the outcomes stream holds, as they are stored, from its first message on. */
export class OutcomeCounter {
  count = 0;

  private constructor(private readonly messages: ConsumerMessages) {}

  static async start(nc: NatsConnection, stream: string): Promise<OutcomeCounter> {
    const consumer = await jetstream(nc).consumers.get(stream);
    const counter = new OutcomeCounter(await consumer.consume({ max_messages: 2_048 }));
    void (async () => {
      for await (const message of counter.messages) {
        counter.count += outcomesCarried(message.json()).length;
      }
    })();
    return counter;
  }

  async stop(): Promise<void> {
    await this.messages.close();
  }
}
