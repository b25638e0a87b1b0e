/**
 * A message that can never be handled, however often it is delivered (bad data, a reference to
 * something that does not exist). It is dead-lettered at once, with its reason.
 */
export class PoisonMessageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PoisonMessageError';
  }
}

/** JetStream did not store a message (unreachable, timed out, or refused). Producers answer 503. */
export class PublishFailedError extends Error {
  constructor(
    readonly subject: string,
    options?: { cause?: unknown },
  ) {
    super(`JetStream did not acknowledge a message on ${subject}`, options);
    this.name = 'PublishFailedError';
  }
}

/** No service answered a request, or it did not answer in time. */
export class RpcUnavailableError extends Error {
  constructor(
    readonly subject: string,
    readonly reason: 'no-responders' | 'timeout' | 'disconnected',
  ) {
    super(`no answer on ${subject}: ${reason}`);
    this.name = 'RpcUnavailableError';
  }
}

/** A request bigger than the NATS server carries in one message (its max_payload). */
export class RpcTooLargeError extends Error {
  constructor(
    readonly subject: string,
    readonly size: number,
    readonly limit: number,
  ) {
    super(`a request on ${subject} of ${size} bytes exceeds the ${limit} bytes one message may carry`);
    this.name = 'RpcTooLargeError';
  }
}

/** A message bigger than the NATS server stores in one message (its max_payload); never retried. */
export class MessageTooLargeError extends Error {
  constructor(
    readonly subject: string,
    readonly size: number,
    readonly limit: number,
  ) {
    super(`a message on ${subject} of ${size} bytes exceeds the ${limit} bytes the server accepts`);
    this.name = 'MessageTooLargeError';
  }
}
