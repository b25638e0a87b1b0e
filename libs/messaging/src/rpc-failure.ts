import type { RpcError } from '@tocsin/contracts';

/**
 * A request that a service refuses on purpose (not found, invalid, conflict). It travels back to
 * the api as an RpcError and becomes the HTTP status it names.
 */
export class RpcFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: string[],
  ) {
    super(message);
    this.name = 'RpcFailure';
  }

  toRpcError(): RpcError {
    return {
      status: this.status,
      code: this.code,
      message: this.message,
      ...(this.details ? { details: this.details } : {}),
    };
  }

  static notFound(what: string, id: string): RpcFailure {
    return new RpcFailure(404, 'not_found', `${what} ${id} does not exist`);
  }

  static invalid(details: string[]): RpcFailure {
    return new RpcFailure(400, 'invalid_request', 'the request is invalid', details);
  }
}
