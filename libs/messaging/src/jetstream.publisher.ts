import { jetstream, type JetStreamClient, type PubAck } from '@nats-io/jetstream';
import { headers as natsHeaders, type NatsConnection } from '@nats-io/transport-node';
import { HEADERS, type Envelope, type MessageType } from '@tocsin/contracts';
import { MessageTooLargeError, PublishFailedError } from './errors';
import { uuidv7 } from './ids';
import { publishFailures } from './messaging.metrics';
import type { Naming } from './naming';

export interface PublishOptions {
  /** Deterministic id: the stream drops a second message with the same id (Nats-Msg-Id). */
  messageId: string;
  correlationId?: string;
  /** Extra headers, for example the hook or incident id that logs and dead letters carry. */
  headers?: Record<string, string>;
  occurredAt?: Date;
}

export interface PublishResult {
  sequence: number;
  duplicate: boolean;
}

/**
 * Publishes enveloped messages to JetStream and waits for the stream to store them.
 *
 * Publishes are handed to the connection once per turn of the event loop, together: nats.js writes
 * its buffer to the socket in a microtask after the first command it buffers, so publishes made
 * from separate I/O callbacks (one HTTP request each, say) would each cost a system call. Waiting
 * for the loop's check phase (`setImmediate`) gathers those of one turn into one write. The order
 * of publishes is kept: they are handed over in the order they were made.
 */
export class JetStreamPublisher {
  private readonly js: JetStreamClient;
  /** Publishes waiting for this turn's hand-over, in the order they were made. */
  private waiting: (() => void)[] = [];

  constructor(
    private readonly nc: NatsConnection,
    private readonly naming: Naming,
    private readonly timeoutMs = 5_000,
  ) {
    this.js = jetstream(nc, { timeout: timeoutMs });
  }

  envelope<P extends object>(type: MessageType<P>, payload: P, options: PublishOptions): Envelope<P> {
    return {
      id: options.messageId,
      type: type.type,
      version: type.version,
      occurredAt: (options.occurredAt ?? new Date()).toISOString(),
      correlationId: options.correlationId ?? options.messageId,
      payload,
    };
  }

  /**
   * Resolves once the stream acknowledged the message; rejects with PublishFailedError otherwise,
   * or MessageTooLargeError when the message cannot fit one NATS message.
   */
  async publish<P extends object>(
    subject: string,
    type: MessageType<P>,
    payload: P,
    options: PublishOptions,
  ): Promise<PublishResult> {
    return this.publishRaw(
      subject,
      JSON.stringify(this.envelope(type, payload, options)),
      {
        ...options.headers,
        [HEADERS.messageType]: `${type.type}.v${type.version}`,
      },
      options.messageId,
    );
  }

  /** Publishes an already-encoded body (used for dead letters, which keep the original bytes). */
  async publishRaw(
    subject: string,
    data: string | Uint8Array,
    headerValues: Record<string, string>,
    messageId: string = uuidv7(),
  ): Promise<PublishResult> {
    const h = natsHeaders();
    for (const [name, value] of Object.entries(headerValues)) h.set(name, value);
    const full = this.naming.subject(subject);
    const size = typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
    // Headers count against the limit too; keep room for them rather than fail on the server.
    const limit = (this.nc.info?.max_payload ?? 1024 * 1024) - 4096;
    if (size > limit) throw new MessageTooLargeError(full, size, limit);
    await this.nextTurn();
    let ack: PubAck;
    try {
      ack = await this.js.publish(full, data, { msgID: messageId, headers: h, timeout: this.timeoutMs });
    } catch (error) {
      publishFailures.inc();
      throw new PublishFailedError(full, { cause: error });
    }
    return { sequence: ack.seq, duplicate: ack.duplicate };
  }

  /** Resolves in this turn's check phase, after the publishes made before this one. */
  private nextTurn(): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      if (this.waiting.length > 1) return;
      setImmediate(() => {
        const ready = this.waiting;
        this.waiting = [];
        for (const go of ready) go();
      });
    });
  }
}
