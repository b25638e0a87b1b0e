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
 * `MAX_OUTCOMES_PER_MESSAGE`, instead of a stored message each. Each submitter's promise settles
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
      for (let start = 0; start < list.length; start += MAX_OUTCOMES_PER_MESSAGE) {
        const part = list.slice(start, start + MAX_OUTCOMES_PER_MESSAGE);
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

/** The same outcomes, in the same order, give the same id. */
export function outcomesMessageId(outcomes: readonly HookOutcomeV1[]): string {
  const hash = createHash('sha256');
  for (const o of outcomes) hash.update(`${o.hookId}\u0000${o.index}\u0001`);
  return `outcomes:${hash.digest('base64url')}`;
}
