import { HookOutcomes, type HookOutcomesV1, type HookOutcomeV1, type MessageType } from '@tocsin/contracts';
import type { JetStreamPublisher, PublishOptions } from '@tocsin/messaging';
import { OutcomeBatcher, outcomesMessageId } from './outcome-batcher';

const A = '0190e5a4-0000-7000-8000-00000000000a';
const B = '0190e5a4-0000-7000-8000-00000000000b';
const outcome = (integrationId: string, n: number, detail?: string): HookOutcomeV1 => ({
  hookId: `hook-${n}`,
  index: 0,
  integrationId,
  outcome: 'appended',
  ...(detail ? { detail } : {}),
});

/** What the batcher hands to JetStream: each message's subject, payload, id and encoded size. */
class RecordingPublisher {
  readonly sent: { subject: string; payload: HookOutcomesV1; messageId: string; bytes: number }[] = [];
  refuse = false;

  publish(subject: string, type: MessageType<object>, payload: object, options: PublishOptions) {
    expect(type).toBe(HookOutcomes);
    if (this.refuse) return Promise.reject(new Error('no stream answered'));
    const bytes = Buffer.byteLength(JSON.stringify(payload));
    this.sent.push({ subject, payload: payload as HookOutcomesV1, messageId: options.messageId, bytes });
    return Promise.resolve({ sequence: this.sent.length, duplicate: false });
  }
}

describe('OutcomeBatcher', () => {
  it('sends the outcomes of one turn as one message per integration', async () => {
    const publisher = new RecordingPublisher();
    const batcher = new OutcomeBatcher(publisher as unknown as JetStreamPublisher);
    await Promise.all([1, 2, 3].map((n) => batcher.publish(outcome(n === 2 ? B : A, n))));
    expect(publisher.sent.map((m) => [m.subject, m.payload.outcomes.map((o) => o.hookId)])).toEqual([
      [`hooks.outcome.${A}`, ['hook-1', 'hook-3']],
      [`hooks.outcome.${B}`, ['hook-2']],
    ]);
    expect(publisher.sent[0].messageId).toBe(outcomesMessageId([outcome(A, 1), outcome(A, 3)]));
  });

  it('splits at 256 outcomes, and by size, so that no message nears the 1 MiB NATS takes', async () => {
    const publisher = new RecordingPublisher();
    const batcher = new OutcomeBatcher(publisher as unknown as JetStreamPublisher);
    const small = Array.from({ length: 300 }, (_, n) => outcome(A, n));
    // The longest details, of characters JSON writes as six bytes each.
    const large = Array.from({ length: 100 }, (_, n) => outcome(B, n, '\u0001'.repeat(2000)));
    await Promise.all([...small, ...large].map((o) => batcher.publish(o)));
    const counts = (integrationId: string) =>
      publisher.sent
        .filter((m) => m.payload.integrationId === integrationId)
        .map((m) => m.payload.outcomes.length);
    expect(counts(A)).toEqual([256, 44]);
    expect(counts(B).reduce((a, b) => a + b, 0)).toBe(100);
    expect(counts(B).length).toBeGreaterThan(1);
    expect(Math.max(...publisher.sent.map((m) => m.bytes))).toBeLessThan(600 * 1024);
  });

  it('fails every outcome of a message that was not stored, and those alone', async () => {
    const publisher = new RecordingPublisher();
    const batcher = new OutcomeBatcher(publisher as unknown as JetStreamPublisher);
    publisher.refuse = true;
    const refused = await Promise.allSettled([
      batcher.publish(outcome(A, 1)),
      batcher.publish(outcome(A, 2)),
    ]);
    expect(refused.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    publisher.refuse = false;
    await expect(batcher.publish(outcome(A, 3))).resolves.toBeUndefined();
  });
});
