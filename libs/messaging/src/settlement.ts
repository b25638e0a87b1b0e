import { InvalidMessageError } from '@tocsin/contracts';
import { MessageTooLargeError, PoisonMessageError } from './errors';

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
