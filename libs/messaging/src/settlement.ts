import { InvalidMessageError } from '@tocsin/contracts';
import { MessageTooLargeError, PoisonMessageError, PublishFailedError } from './errors';

export type Settlement =
  { kind: 'ack' } | { kind: 'nak'; delayMs: number } | { kind: 'dead-letter'; reason: string };

/**
 * How to settle a message a handler failed on: a poison message is dead-lettered at once, any
 * other failure is retried with exponential backoff until its last delivery, then dead-lettered.
 */
export function settleFailure(error: unknown, deliveryCount: number, maxDeliver: number): Settlement {
  const reason = describeError(error);
  if (
    error instanceof InvalidMessageError ||
    error instanceof PoisonMessageError ||
    error instanceof MessageTooLargeError ||
    error instanceof SyntaxError
  ) {
    return { kind: 'dead-letter', reason: `poison: ${reason}` };
  }
  if (deliveryCount >= maxDeliver) {
    return { kind: 'dead-letter', reason: `failed ${deliveryCount} deliveries: ${reason}` };
  }
  return { kind: 'nak', delayMs: backoffMs(deliveryCount) };
}

/** 500 ms, 1 s, 2 s, … capped at 30 s, with up to 20 % jitter so replicas do not retry in step. */
export function backoffMs(deliveryCount: number, random: () => number = Math.random): number {
  const base = Math.min(500 * 2 ** Math.max(0, deliveryCount - 1), 30_000);
  return Math.round(base * (1 + 0.2 * random()));
}

export function describeError(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.replace(/[\r\n]+/g, ' ').slice(0, 500);
}

/** Node's codes for a peer that cannot be reached or went away. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);
/** PostgreSQL: shutting down or starting up (57P01–57P03), too many connections (53300). */
const DATABASE_CODES = new Set(['57P01', '57P02', '57P03', '53300']);
/** What node-postgres says when a connection ends or cannot be had, without a code. */
const DATABASE_MESSAGES = [
  /^Connection terminated/,
  /^timeout exceeded when trying to connect/,
  /^Client has encountered a connection error and is not queryable/,
  /^Client was closed and is not queryable/,
];

/**
 * Whether a handler failed because a dependency (the database, or JetStream for its publishes)
 * could not be reached, rather than because of the message: retrying the same message later will
 * do, so the failure must not count towards dead-lettering it. Follows `cause` and TypeORM's
 * `driverError`.
 */
export function isDependencyUnavailable(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 5) return false;
  if (error instanceof PublishFailedError) return true;
  const { code, message, cause, driverError } = error as {
    code?: unknown;
    message?: unknown;
    cause?: unknown;
    driverError?: unknown;
  };
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code) || DATABASE_CODES.has(code) || code.startsWith('08')) return true;
  }
  if (typeof message === 'string' && DATABASE_MESSAGES.some((pattern) => pattern.test(message))) return true;
  if (error instanceof AggregateError && error.errors.some((e) => isDependencyUnavailable(e, depth + 1)))
    return true;
  return isDependencyUnavailable(cause, depth + 1) || isDependencyUnavailable(driverError, depth + 1);
}
