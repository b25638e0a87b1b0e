import { HookOutcomes, MAX_OUTCOMES_PER_MESSAGE, SUBJECTS, type HookOutcomeV1 } from '@tocsin/contracts';
import type { JetStreamPublisher } from '@tocsin/messaging';
import { createHash } from 'node:crypto';

interface Waiting {
  outcome: HookOutcomeV1;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Publishes hook outcomes together: those submitted in one turn of the event loop (the events of
 * a transaction settle together) go out as one `hook.outcomes` message per integration, of at most
 * `MAX_OUTCOMES_PER_MESSAGE` and 512 KiB, instead of a stored message each. Each submitter's promise settles
 * with its message's publish.
 *
 * A message's id is derived from the outcomes it carries, so a retry that publishes the same
 * outcomes together is dropped by the stream; one that groups them differently publishes them
 * again, which the inbound log takes as it takes any repeated outcome (it leaves the same rows).
 */
export class OutcomeBatcher {
  private waiting: Waiting[] = [];

  constructor(private readonly publisher: JetStreamPublisher) {}

  publish(outcome: HookOutcomeV1): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ outcome, resolve, reject });
      if (this.waiting.length === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const ready = this.waiting;
    this.waiting = [];
    const byIntegration = new Map<string, Waiting[]>();
    for (const w of ready) {
      const list = byIntegration.get(w.outcome.integrationId) ?? [];
      list.push(w);
      byIntegration.set(w.outcome.integrationId, list);
    }
    for (const [integrationId, list] of byIntegration) {
      for (const part of messagesOf(list)) {
        const outcomes = part.map((w) => w.outcome);
        this.publisher
          .publish(
            SUBJECTS.hookOutcome(integrationId),
            HookOutcomes,
            { integrationId, outcomes },
            {
              messageId: outcomesMessageId(outcomes),
            },
          )
          .then(
            () => part.forEach((w) => w.resolve()),
            (error: unknown) => part.forEach((w) => w.reject(error)),
          );
      }
    }
  }
}

/**
 * Bytes one outcome takes in a message at most, apart from its detail: field names, two ids, the
 * index and the outcome word, each character escaped at worst.
 */
const OUTCOME_BYTES = 1_024;
/** Bytes of outcomes in one message at most: well inside NATS's 1 MiB whatever the details hold. */
const MAX_MESSAGE_BYTES = 512 * 1024;

/** Splits one integration's outcomes into messages of at most 256 outcomes and 512 KiB. */
function messagesOf(list: Waiting[]): Waiting[][] {
  const messages: Waiting[][] = [];
  let current: Waiting[] = [];
  let bytes = 0;
  for (const w of list) {
    const size = OUTCOME_BYTES + 6 * (w.outcome.detail?.length ?? 0);
    if (
      current.length > 0 &&
      (current.length === MAX_OUTCOMES_PER_MESSAGE || bytes + size > MAX_MESSAGE_BYTES)
    ) {
      messages.push(current);
      current = [];
      bytes = 0;
    }
    current.push(w);
    bytes += size;
  }
  if (current.length > 0) messages.push(current);
  return messages;
}

/** The same outcomes, in the same order, give the same id. */
export function outcomesMessageId(outcomes: readonly HookOutcomeV1[]): string {
  const hash = createHash('sha256');
  for (const o of outcomes) hash.update(`${o.hookId}\u0000${o.index}\u0001`);
  return `outcomes:${hash.digest('base64url')}`;
}
