import { BaseRpcContext } from '@nestjs/microservices';
import type { JsMsg } from '@nats-io/jetstream';

type JetStreamContextArgs = [message: JsMsg, consumer: string, turn?: Turn];

/**
 * A message's place in the line of its ordering key, for handlers with `orderedSections`: its
 * section runs once the message before it in the line has settled (acked, nak'ed or
 * dead-lettered); the line moves on when this message settles.
 */
export class Turn {
  private settle!: () => void;
  /** Resolves when the message before it and this one have both settled. */
  readonly done: Promise<void>;

  constructor(private readonly previous: Promise<void>) {
    const own = new Promise<void>((resolve) => (this.settle = resolve));
    this.done = previous.then(() => own);
  }

  /** Runs `section` after the message before this one settled. May run again (a retry in place). */
  async run<T>(section: () => Promise<T>): Promise<T> {
    await this.previous;
    return section();
  }

  /** This message settled: the next in line may run its section. */
  settled(): void {
    this.settle();
  }
}

/** What a stream handler can learn about the message it handles. */
export class JetStreamContext extends BaseRpcContext<JetStreamContextArgs> {
  get message(): JsMsg {
    return this.args[0];
  }

  get consumer(): string {
    return this.args[1];
  }

  /** The message's Nats-Msg-Id (for the inbox), or its stream sequence when it has none. */
  get messageId(): string {
    return messageIdOf(this.message);
  }

  get deliveryCount(): number {
    return this.message.info.deliveryCount;
  }

  /**
   * Runs the part of the handler that must follow the order of the stream for the message's
   * ordering key (for a consumer with `orderedSections`, such as publishing what the message
   * became); the rest of the handler runs concurrently with other messages. Without a line to
   * keep (another consumer, or no ordering key) it just runs the section.
   */
  inOrder<T>(section: () => Promise<T>): Promise<T> {
    const turn = this.args[2];
    return turn ? turn.run(section) : section();
  }

  header(name: string): string | undefined {
    return this.message.headers?.get(name) || undefined;
  }
}

/** A message's Nats-Msg-Id (for the inbox), or its stream sequence when it has none. */
export function messageIdOf(message: JsMsg): string {
  return message.headers?.get('Nats-Msg-Id') || `seq-${message.seq}`;
}

/**
 * What a handler of a partitioned consumer learns about the batch it handles: the messages, in
 * stream order, matching the payloads it was given.
 */
export class JetStreamBatchContext extends BaseRpcContext<[messages: JsMsg[], consumer: string]> {
  get messages(): JsMsg[] {
    return this.args[0];
  }

  get consumer(): string {
    return this.args[1];
  }

  /** Each message's id for the inbox (see `messageIdOf`), in order. */
  get messageIds(): string[] {
    return this.messages.map(messageIdOf);
  }
}
