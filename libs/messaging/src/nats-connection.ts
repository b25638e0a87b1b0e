import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { MessagingOptions } from './messaging.options';

/** Thrown at start when NATS cannot be reached; its message says where and what to do. */
export class NatsUnreachableError extends Error {
  constructor(servers: string, cause: unknown) {
    super(
      `cannot reach NATS at ${servers}: ${cause instanceof Error ? cause.message : String(cause)}. ` +
        'Start nats-server with JetStream (-js), or `docker compose up -d nats`, or set NATS_URL.',
      { cause },
    );
    this.name = 'NatsUnreachableError';
  }
}

/**
 * Connects with unlimited reconnects: once up, a NATS restart is ridden out (publishes fail
 * fast and producers get 503 meanwhile). The first connection must succeed within the timeout.
 */
export async function connectNats(options: MessagingOptions, timeoutMs = 5_000): Promise<NatsConnection> {
  try {
    return await connect({
      servers: options.servers.split(',').map((s) => s.trim()),
      name: `tocsin-${options.service}`,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      timeout: timeoutMs,
      pingInterval: 10_000,
      // No stack captured at every request and publish for a later timeout's message: measurable
      // CPU per message, and the errors say what timed out without it.
      noAsyncTraces: true,
    });
  } catch (error) {
    throw new NatsUnreachableError(options.servers, error);
  }
}
