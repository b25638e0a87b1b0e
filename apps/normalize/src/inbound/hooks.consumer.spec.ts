import { HookOutcome, HookOutcomes, InvalidMessageError, type HookOutcomeV1 } from '@tocsin/contracts';
import { HooksConsumer } from './hooks.consumer';
import type { HooksService } from './hooks.service';
import type { InboundService } from './inbound.service';

const integrationId = '0190e5a4-0000-7000-8000-000000000001';
const outcome = (hookId: string, index = 0): HookOutcomeV1 => ({
  hookId,
  index,
  integrationId,
  outcome: 'opened',
});
const envelope = (type: { type: string; version: number }, payload: unknown) => ({
  id: 'message-1',
  type: type.type,
  version: type.version,
  occurredAt: '2026-12-06T10:00:00.000Z',
  correlationId: 'message-1',
  payload,
});

/** The outcomes consumer takes both shapes incident-state publishes on `hooks.outcome.*`. */
describe('HooksConsumer.outcome', () => {
  const recorded: string[] = [];
  const inbound = {
    applyOutcome: (o: HookOutcomeV1) => Promise.resolve(void recorded.push(`one ${o.hookId}:${o.index}`)),
    applyOutcomes: (list: readonly HookOutcomeV1[]) =>
      Promise.resolve(void recorded.push(`together ${list.map((o) => `${o.hookId}:${o.index}`).join(' ')}`)),
  } as unknown as InboundService;
  const consumer = new HooksConsumer({} as HooksService, inbound);

  beforeEach(() => (recorded.length = 0));

  it('records a `hook.outcomes` message as one list, checked field by field', async () => {
    await consumer.outcome(
      envelope(HookOutcomes, { integrationId, outcomes: [outcome('a'), outcome('a', 1), outcome('b')] }),
    );
    expect(recorded).toEqual(['together a:0 a:1 b:0']);
  });

  it('still records a single `hook.outcome`', async () => {
    await consumer.outcome(envelope(HookOutcome, outcome('c', 2)));
    expect(recorded).toEqual(['one c:2']);
  });

  it.each([
    ['an empty list', envelope(HookOutcomes, { integrationId, outcomes: [] })],
    [
      'an outcome out of the vocabulary',
      envelope(HookOutcomes, { integrationId, outcomes: [{ ...outcome('d'), outcome: 'exploded' }] }),
    ],
    [
      'more than a message may carry',
      envelope(HookOutcomes, {
        integrationId,
        outcomes: Array.from({ length: 257 }, (_, i) => outcome(`e${i}`)),
      }),
    ],
    ['another message type', envelope({ type: 'hook.received', version: 1 }, {})],
    ['no envelope at all', 'opened'],
  ])('refuses %s as a breach of the contract, recording nothing', async (_, raw) => {
    await expect(consumer.outcome(raw)).rejects.toBeInstanceOf(InvalidMessageError);
    expect(recorded).toEqual([]);
  });
});
