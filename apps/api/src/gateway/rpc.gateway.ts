import { Injectable } from '@nestjs/common';
import { RpcClient, RpcTooLargeError, RpcUnavailableError } from '@tocsin/messaging';
import { HttpError } from '@tocsin/platform';

/** Asks the service that owns the data, and turns its answer into the HTTP one. */
@Injectable()
export class RpcGateway {
  constructor(private readonly rpc: RpcClient) {}

  async call<T>(subject: string, body: object): Promise<T> {
    let reply;
    try {
      reply = await this.rpc.request<T>(subject, body);
    } catch (error) {
      if (error instanceof RpcUnavailableError) {
        const service = subject.split('.')[1] ?? 'a service';
        throw new HttpError(503, `${service} is not answering (${error.reason}); retry shortly`, undefined, {
          'Retry-After': '2',
        });
      }
      if (error instanceof RpcTooLargeError) {
        throw new HttpError(413, `the request is too large to forward: at most ${error.limit} bytes of JSON`);
      }
      throw error;
    }
    if (reply.ok) return reply.data;
    throw new HttpError(reply.error.status, reply.error.message, reply.error.details);
  }
}
