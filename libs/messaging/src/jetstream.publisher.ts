import {
  createInbox,
  headers as natsHeaders,
  type Msg,
  type NatsConnection,
  type Subscription,
} from '@nats-io/transport-node';
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

/** How often publishes past their time are failed. */
const SWEEP_MS = 100;
const TEXT_DECODER = new TextDecoder();

interface Awaiting {
  resolve: (result: PublishResult) => void;
  reject: (error: Error) => void;
  deadline: number;
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
 *
 * JetStream's acknowledgements come back on one subscription of the publisher's own (an inbox, one
 * reply subject per publish under it), matched to their publishes by that subject. nats.js's request
 * does the same through its request multiplexer, but at a cost per publish that showed in every
 * producer's profile: a timer, the options copied twice, and an Error with its stack trace built for
 * every request that succeeded. Here a publish is one map entry; one sweep a tenth of a second fails
 * those past their time.
 */
export class JetStreamPublisher {
  /** Publishes waiting for this turn's hand-over, in the order they were made. */
  private waiting: (() => void)[] = [];
  /** Publishes awaiting JetStream's acknowledgement, by the token that ends their reply subject. */
  private readonly awaiting = new Map<string, Awaiting>();
  private inbox: { prefix: string; subscription: Subscription } | null = null;
  private sequence = 0;
  private sweeper: NodeJS.Timeout | null = null;

  constructor(
    private readonly nc: NatsConnection,
    private readonly naming: Naming,
    private readonly timeoutMs = 5_000,
  ) {}

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
    // JetStream's duplicate detection reads the message id from this header.
    h.set(HEADERS.messageId, messageId);
    await this.nextTurn();
    try {
      return await this.send(full, data, h);
    } catch (error) {
      publishFailures.inc();
      throw new PublishFailedError(full, { cause: error });
    }
  }

  /** Publishes with a reply subject of this publisher's inbox; resolves with the stream's acknowledgement. */
  private send(
    subject: string,
    data: string | Uint8Array,
    h: ReturnType<typeof natsHeaders>,
  ): Promise<PublishResult> {
    if (this.nc.isClosed()) return Promise.reject(new Error('the NATS connection is closed'));
    const inbox = this.inbox ?? this.openInbox();
    const token = (this.sequence++).toString(36);
    return new Promise<PublishResult>((resolve, reject) => {
      this.awaiting.set(token, { resolve, reject, deadline: Date.now() + this.timeoutMs });
      this.sweeper ??= setInterval(() => this.sweep(), SWEEP_MS).unref();
      try {
        this.nc.publish(subject, data, { reply: `${inbox.prefix}.${token}`, headers: h });
      } catch (error) {
        this.awaiting.delete(token);
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  /** The subscription every acknowledgement arrives on; made at the first publish. */
  private openInbox(): { prefix: string; subscription: Subscription } {
    const prefix = createInbox();
    const subscription = this.nc.subscribe(`${prefix}.*`, {
      callback: (error, msg) => {
        if (error) this.failAll(error);
        else this.acknowledged(msg, prefix);
      },
    });
    this.inbox = { prefix, subscription };
    void subscription.closed.then(() => {
      // The connection closed (or the subscription with it): nothing pending will be answered.
      if (this.inbox?.subscription === subscription) this.inbox = null;
      this.failAll(new Error('the NATS connection closed before JetStream acknowledged'));
    });
    return this.inbox;
  }

  /** Settles the publish an answer is for: the stream's acknowledgement, or why it was refused. */
  private acknowledged(msg: Msg, prefix: string): void {
    const token = msg.subject.slice(prefix.length + 1);
    const awaiting = this.awaiting.get(token);
    if (!awaiting) return; // Answered after its time ran out.
    this.awaiting.delete(token);
    // A status without a body: 503 is "no responders", no stream takes the subject.
    if (msg.data.length === 0 && msg.headers?.hasError) {
      awaiting.reject(new Error(`JetStream answered ${msg.headers.code} ${msg.headers.description}`));
      return;
    }
    let answer: {
      stream?: string;
      seq?: number;
      duplicate?: boolean;
      error?: { code?: number; description?: string };
    };
    try {
      answer = JSON.parse(TEXT_DECODER.decode(msg.data)) as typeof answer;
    } catch {
      awaiting.reject(new Error('JetStream answered with something other than JSON'));
      return;
    }
    if (answer.error) {
      awaiting.reject(
        new Error(
          `JetStream refused the message: ${answer.error.description ?? 'no reason'} (${answer.error.code})`,
        ),
      );
    } else if (typeof answer.stream !== 'string' || answer.stream === '' || typeof answer.seq !== 'number') {
      awaiting.reject(new Error('JetStream answered without a stream and sequence'));
    } else {
      awaiting.resolve({ sequence: answer.seq, duplicate: answer.duplicate === true });
    }
  }

  /** Fails the publishes past their time; stops when none awaits an answer. */
  private sweep(): void {
    const now = Date.now();
    for (const [token, awaiting] of this.awaiting) {
      if (awaiting.deadline > now) continue;
      this.awaiting.delete(token);
      awaiting.reject(new Error(`JetStream did not answer within ${this.timeoutMs} ms`));
    }
    if (this.awaiting.size === 0 && this.sweeper) {
      clearInterval(this.sweeper);
      this.sweeper = null;
    }
  }

  private failAll(error: Error): void {
    const pending = [...this.awaiting.values()];
    this.awaiting.clear();
    for (const awaiting of pending) awaiting.reject(error);
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
