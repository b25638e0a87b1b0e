/**
 * Answers to the api travel in one NATS message, which carries at most the server's max_payload
 * (1 MiB by default). These keep an answer inside that, shortening what can be shortened.
 */

/** Bytes kept free for the reply envelope around an answer. */
const ENVELOPE_ROOM = 4096;

export function answerBudget(maxPayload: number): number {
  return maxPayload - ENVELOPE_ROOM;
}

export function sizeOf(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value));
}

/** The first items of a page that fit the budget (at least one). */
export function fitPage<T>(items: T[], budget: number): T[] {
  let size = 2;
  for (let i = 0; i < items.length; i++) {
    size += sizeOf(items[i]) + 1;
    if (size > budget && i > 0) return items.slice(0, i);
  }
  return items;
}
