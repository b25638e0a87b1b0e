import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import {
  IncidentChanged,
  InvalidMessageError,
  SUBJECT_FILTERS,
  parseEnvelope,
  type IncidentChangedV1,
} from '@tocsin/contracts';
import type { Naming } from '@tocsin/messaging';

/** Where a stream's bytes go: the raw HTTP response, or anything that buffers like one. */
export interface StreamSink {
  /** False when the bytes were buffered rather than handed to the socket (Node's `write`). */
  write(chunk: string): boolean;
  /** Bytes written but not yet taken by the socket. */
  readonly writableLength: number;
  /** Ends the stream cleanly (the last bytes are flushed). */
  end(): void;
  /** Drops the connection at once (a slow client's buffer is thrown away). */
  destroy(): void;
}

export interface IncidentStreamLimits {
  /** A client whose unsent bytes pass this is dropped instead of buffered further. */
  maxBufferedBytes: number;
  /** At most this many clients at once; the next is refused. */
  maxClients: number;
  /** A comment line goes to every client this often, so proxies keep the connection open. */
  heartbeatMs: number;
  /** A stream ends after this long; the client reconnects, which checks its key again. */
  maxLifetimeMs: number;
}

export const DEFAULT_STREAM_LIMITS: IncidentStreamLimits = {
  maxBufferedBytes: 1024 * 1024,
  maxClients: 1000,
  heartbeatMs: 15_000,
  maxLifetimeMs: 10 * 60_000,
};

/** What one event of the stream carries in its `data:` line (JSON). */
export interface IncidentStreamEvent {
  /** The id of the message on NATS (the envelope id). */
  id: string;
  change: IncidentChangedV1['change'];
  occurredAt: string;
  actor: string | null;
  detail: string | null;
  incident: IncidentChangedV1['incident'];
}

/** Why a stream stopped, for logs and metrics. */
export type StreamEnd = 'closed' | 'slow' | 'lifetime' | 'shutdown';

interface Client {
  sink: StreamSink;
  lifetime: NodeJS.Timeout;
  onEnd: (reason: StreamEnd) => void;
}

/** Thrown by `attach` when the stream already has `maxClients` clients. */
export class TooManyStreamsError extends Error {
  constructor(readonly limit: number) {
    super(`the live stream already has ${limit} clients; retry later`);
    this.name = 'TooManyStreamsError';
  }
}

/** One server-sent event: `id`, `event` and one `data` line of JSON (JSON has no raw newlines). */
export function formatEvent(event: IncidentStreamEvent): string {
  return `id: ${event.id}\nevent: incident.${event.change}\ndata: ${JSON.stringify(event)}\n\n`;
}

/**
 * The api's live stream of incident changes: one core NATS subscription to `<prefix>.incidents.>`
 * (JetStream stores those messages, and every published message also reaches core subscribers), fanned
 * out to every connected client as server-sent events. Nothing is replayed: a client that reconnects
 * reads the current state from the list routes and follows the stream from then on.
 *
 * Each client's unsent bytes are bounded: one that falls `maxBufferedBytes` behind is dropped, so a slow
 * reader never grows the api's memory. A comment goes out every `heartbeatMs`; a stream ends after
 * `maxLifetimeMs`, and the client's reconnect shows its key again (a revoked key stops there).
 */
export class IncidentStream {
  private readonly clients = new Set<Client>();
  private subscription?: Subscription;
  private heartbeat?: NodeJS.Timeout;
  private pump?: Promise<void>;
  private stopping = false;
  /** Messages on the subject that were not an incident change (counted, skipped). */
  invalidMessages = 0;

  constructor(
    private readonly nc: NatsConnection,
    private readonly naming: Naming,
    readonly limits: IncidentStreamLimits = DEFAULT_STREAM_LIMITS,
    private readonly onInvalid: (error: Error) => void = () => undefined,
  ) {}

  get clientCount(): number {
    return this.clients.size;
  }

  /** True when one more client would pass `maxClients`. */
  get full(): boolean {
    return this.clients.size >= this.limits.maxClients;
  }

  /** True once `stop()` began: a stream opened now would hold the closing server open. */
  get stopped(): boolean {
    return this.stopping;
  }

  /** Subscribes and starts the heartbeat; resolves once the server has the subscription. */
  async start(): Promise<void> {
    if (this.subscription) return;
    const subscription = this.nc.subscribe(this.naming.subject(SUBJECT_FILTERS.incidents));
    this.subscription = subscription;
    this.pump = (async () => {
      for await (const message of subscription) this.deliver(message.string());
    })();
    this.heartbeat = setInterval(() => this.broadcast(': heartbeat\n\n'), this.limits.heartbeatMs);
    this.heartbeat.unref();
    await this.nc.flush();
  }

  /** Ends every stream and unsubscribes. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    for (const client of [...this.clients]) this.detach(client, 'shutdown', false);
    this.subscription?.unsubscribe();
    this.subscription = undefined;
    await this.pump;
  }

  /**
   * Adds a client; `onEnd` runs once when its stream stops, whatever the reason. Returns the function
   * to call when the client went away by itself (the connection closed).
   */
  attach(sink: StreamSink, onEnd: (reason: StreamEnd) => void = () => undefined): () => void {
    if (this.stopping) throw new Error('the incident stream has stopped');
    if (this.clients.size >= this.limits.maxClients) throw new TooManyStreamsError(this.limits.maxClients);
    const client: Client = {
      sink,
      onEnd,
      lifetime: setTimeout(() => this.detach(client, 'lifetime', false), this.limits.maxLifetimeMs),
    };
    client.lifetime.unref();
    this.clients.add(client);
    // How long to wait before reconnecting, and a first line so the client knows it is connected.
    this.send(client, `retry: 3000\n: connected\n\n`);
    return () => this.detach(client, 'closed', false);
  }

  private deliver(text: string): void {
    // Nobody to tell: every incident change passes here, so a process without clients skips the work.
    if (this.clients.size === 0) return;
    let event: IncidentStreamEvent;
    try {
      const envelope = parseEnvelope(IncidentChanged, JSON.parse(text) as unknown);
      const p = envelope.payload;
      event = {
        id: envelope.id,
        change: p.change,
        occurredAt: envelope.occurredAt,
        actor: p.actor ?? null,
        detail: p.detail ?? null,
        incident: p.incident,
      };
    } catch (error) {
      this.invalidMessages += 1;
      this.onInvalid(
        error instanceof InvalidMessageError || error instanceof SyntaxError
          ? error
          : new Error(String(error)),
      );
      return;
    }
    this.broadcast(formatEvent(event));
  }

  private broadcast(chunk: string): void {
    for (const client of [...this.clients]) this.send(client, chunk);
  }

  private send(client: Client, chunk: string): void {
    if (client.sink.writableLength + Buffer.byteLength(chunk) > this.limits.maxBufferedBytes) {
      this.detach(client, 'slow', true);
      return;
    }
    try {
      client.sink.write(chunk);
    } catch {
      this.detach(client, 'closed', true);
    }
  }

  private detach(client: Client, reason: StreamEnd, abort: boolean): void {
    if (!this.clients.delete(client)) return;
    clearTimeout(client.lifetime);
    try {
      if (abort) client.sink.destroy();
      else client.sink.end();
    } catch {
      // the connection is gone already
    }
    client.onEnd(reason);
  }
}
