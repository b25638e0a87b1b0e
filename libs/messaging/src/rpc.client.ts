import { errors, type NatsConnection } from '@nats-io/transport-node';
import type { RpcReply } from '@tocsin/contracts';
import { RpcTooLargeError, RpcUnavailableError } from './errors';
import type { Naming } from './naming';

/** Sends requests on rpc.* subjects (core NATS request/reply) and returns the parsed reply. */
export class RpcClient {
  constructor(
    private readonly nc: NatsConnection,
    private readonly naming: Naming,
  ) {}

  /** The most bytes one message (a request or its answer) may carry on this NATS server. */
  get maxPayload(): number {
    return this.nc.info?.max_payload ?? 1024 * 1024;
  }

  async request<T>(subject: string, body: unknown, timeoutMs = 5_000): Promise<RpcReply<T>> {
    const data = JSON.stringify(body ?? {});
    const size = Buffer.byteLength(data);
    if (size > this.maxPayload) throw new RpcTooLargeError(subject, size, this.maxPayload);
    try {
      const msg = await this.nc.request(this.naming.subject(subject), data, {
        timeout: timeoutMs,
      });
      return msg.json<RpcReply<T>>();
    } catch (error) {
      if (error instanceof errors.NoRespondersError) throw new RpcUnavailableError(subject, 'no-responders');
      if (error instanceof errors.TimeoutError) throw new RpcUnavailableError(subject, 'timeout');
      if (error instanceof errors.RequestError && error.isNoResponders()) {
        throw new RpcUnavailableError(subject, 'no-responders');
      }
      throw new RpcUnavailableError(subject, 'disconnected');
    }
  }
}
