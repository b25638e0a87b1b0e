import { parseEnvelope, InvalidMessageError } from './envelope';
import { HookOutcome, HookOutcomes, outcomesCarried, type HookOutcomeV1 } from './messages';

const integrationId = '0190e5a4-0000-7000-8000-000000000001';
const outcome = (hookId: string, index = 0): HookOutcomeV1 => ({
  hookId,
  index,
  integrationId,
  outcome: 'opened',
});
const envelope = (type: string, version: number, payload: unknown) => ({
  id: 'message-1',
  type,
  version,
  occurredAt: '2026-12-06T10:00:00.000Z',
  correlationId: 'message-1',
  payload,
});
const bothShapes = [HookOutcomes, HookOutcome] as const;

function problemsOf(parse: () => unknown): string[] {
  try {
    parse();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidMessageError);
    return (error as InvalidMessageError).problems;
  }
  throw new Error('the envelope was accepted');
}

describe('parseEnvelope with the shapes a consumer reads', () => {
  it('checks each envelope against the type and version it names', () => {
    const many = parseEnvelope(
      bothShapes,
      envelope('hook.outcomes', 1, { integrationId, outcomes: [outcome('a'), outcome('a', 1)] }),
    );
    expect(outcomesCarried(many)).toEqual([outcome('a'), outcome('a', 1)]);
    const one = parseEnvelope(bothShapes, envelope('hook.outcome', 1, outcome('b', 2)));
    expect(outcomesCarried(one)).toEqual([outcome('b', 2)]);
  });

  it('names every shape it accepts when the envelope names another', () => {
    expect(problemsOf(() => parseEnvelope(bothShapes, envelope('hook.outcomes', 2, {})))).toEqual([
      'type "hook.outcomes" version 2, expected "hook.outcomes" version 1 or "hook.outcome" version 1',
    ]);
    expect(problemsOf(() => parseEnvelope(HookOutcome, envelope('hook.received', 1, {})))).toEqual([
      'type "hook.received" version 1, expected "hook.outcome" version 1',
    ]);
  });

  it.each([
    ['an empty list', { integrationId, outcomes: [] }, /outcomes/],
    [
      'an outcome out of the vocabulary',
      { integrationId, outcomes: [{ ...outcome('d'), outcome: 'exploded' }] },
      /outcome/,
    ],
    [
      'more outcomes than a message may carry',
      { integrationId, outcomes: Array.from({ length: 257 }, (_, i) => outcome(`e${i}`)) },
      /outcomes/,
    ],
  ])('refuses %s in the shape it names', (_, payload, reason) => {
    expect(
      problemsOf(() => parseEnvelope(bothShapes, envelope('hook.outcomes', 1, payload))).join('\n'),
    ).toMatch(reason);
  });

  it('refuses what is no envelope at all', () => {
    expect(problemsOf(() => parseEnvelope(bothShapes, 'opened'))).toEqual(['envelope is not a JSON object']);
  });
});
