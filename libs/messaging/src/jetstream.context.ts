import { BaseRpcContext } from '@nestjs/microservices';
import type { JsMsg } from '@nats-io/jetstream';

type JetStreamContextArgs = [message: JsMsg, consumer: string];

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
    return this.message.headers?.get('Nats-Msg-Id') || `seq-${this.message.seq}`;
  }

  get deliveryCount(): number {
    return this.message.info.deliveryCount;
  }

  header(name: string): string | undefined {
    return this.message.headers?.get(name) || undefined;
  }
}
