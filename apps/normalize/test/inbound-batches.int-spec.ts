import type { HookOutcomeV1, InboundOutcome } from '@tocsin/contracts';
import { openDataSource } from '@tocsin/persistence';
import { createTestInstallation, type TestInstallation } from '@tocsin/testing';
import type { DataSource } from 'typeorm';
import { InboundService } from '../src/inbound/inbound.service';
import { summarize } from '../src/inbound/outcome-summary';
import { SCHEMA } from '../src/schema';

/**
 * Outcomes arrive many at once and are recorded in batches: whatever the batching, each hook's
 * entry ends as its events' outcomes say, as when they are recorded one by one.
 */
describe('the inbound log under many outcomes at once', () => {
  let installation: TestInstallation;
  let dataSource: DataSource;
  let inbound: InboundService;
  const integrationId = '0190e5a4-0000-7000-8000-000000000001';
  const incident = (n: number) => `0190e5a4-0000-7000-8000-${String(n).padStart(12, '0')}`;

  beforeAll(async () => {
    installation = await createTestInstallation('inbound-batches');
    dataSource = await openDataSource(installation.databaseUrl, SCHEMA);
    inbound = new InboundService(dataSource);
  }, 30_000);

  afterAll(async () => {
    await dataSource?.destroy();
    await installation?.cleanup();
  }, 30_000);

  /** A hook logged with `events` events still on their way (none: an entry without event rows). */
  async function logHook(hookId: string, events: number): Promise<void> {
    await dataSource.query(
      `INSERT INTO normalize.inbound_messages (hook_id, integration_id, received_at, outcome, detail, body)
       VALUES ($1, $2, now(), 'accepted', 'from the producer', '{}')`,
      [hookId, integrationId],
    );
    for (let index = 0; index < events; index += 1) {
      await dataSource.query(
        `INSERT INTO normalize.inbound_events (hook_id, index, outcome, detail) VALUES ($1, $2, 'accepted', 'mapped')`,
        [hookId, index],
      );
    }
  }

  async function entry(hookId: string) {
    const [message] = await dataSource.query<
      { outcome: InboundOutcome; incident_id: string | null; detail: string | null }[]
    >(`SELECT outcome, incident_id, detail FROM normalize.inbound_messages WHERE hook_id = $1`, [hookId]);
    const events = await dataSource.query<
      { index: number; outcome: InboundOutcome; incident_id: string | null; detail: string | null }[]
    >(
      `SELECT index, outcome, incident_id, detail FROM normalize.inbound_events WHERE hook_id = $1 ORDER BY index`,
      [hookId],
    );
    return { message, events };
  }

  it('settles every hook as its events decide, with outcomes of many hooks and of one hook in flight together', async () => {
    const kinds: InboundOutcome[] = ['opened', 'appended', 'closed', 'ignored', 'acknowledged', 'updated'];
    const hooks = Array.from({ length: 60 }, (_, h) => ({ hookId: `batch-${h}`, events: 1 + (h % 4) }));
    for (const hook of hooks) await logHook(hook.hookId, hook.events);
    const outcomes: HookOutcomeV1[] = hooks.flatMap(({ hookId, events }, h) =>
      Array.from({ length: events }, (_, index) => ({
        hookId,
        index,
        integrationId,
        outcome: kinds[(h + index) % kinds.length],
        ...(index % 2 === 0 ? { incidentId: incident(h) } : {}),
        ...(index === 1 ? { detail: `event ${index} of ${hookId}` } : {}),
      })),
    );
    // Interleaved across hooks, and each outcome delivered twice.
    const order = [...outcomes, ...outcomes].sort(
      (a, b) => (a.index - b.index) * 1000 + (a.hookId < b.hookId ? -1 : a.hookId > b.hookId ? 1 : 0),
    );
    await Promise.all(order.map((o) => inbound.applyOutcomes([o])));

    for (const { hookId, events } of hooks) {
      const got = await entry(hookId);
      const mine = outcomes.filter((o) => o.hookId === hookId);
      expect(got.events).toEqual(
        mine.map((o) => ({
          index: o.index,
          outcome: o.outcome,
          incident_id: o.incidentId ?? null,
          detail: o.detail ?? 'mapped',
        })),
      );
      const expected = summarize(
        got.events.map((e) => ({
          index: e.index,
          outcome: e.outcome,
          incidentId: e.incident_id,
          detail: e.detail,
        })),
      );
      expect({ hookId, events, ...got.message }).toEqual({
        hookId,
        events,
        outcome: expected.outcome,
        incident_id: expected.incidentId,
        detail: expected.detail,
      });
    }
  });

  it('keeps a hook waiting while some of its events are on their way, with the first incident it touched', async () => {
    await logHook('partial', 3);
    await inbound.applyOutcomes([
      {
        hookId: 'partial',
        index: 1,
        integrationId,
        outcome: 'appended',
        incidentId: incident(900),
      },
    ]);
    const got = await entry('partial');
    expect(got.message).toEqual({
      outcome: 'accepted',
      incident_id: incident(900),
      detail: 'from the producer',
    });
  });

  it("gives an entry without event rows the outcome itself, keeping the entry's detail when none comes", async () => {
    await logHook('no-rows', 0);
    await inbound.applyOutcomes([
      {
        hookId: 'no-rows',
        index: 0,
        integrationId,
        outcome: 'opened',
        incidentId: incident(901),
      },
    ]);
    expect((await entry('no-rows')).message).toEqual({
      outcome: 'opened',
      incident_id: incident(901),
      detail: 'from the producer',
    });
  });

  it('fails only the outcomes whose hook is not logged yet, and records the others of their batch', async () => {
    await logHook('present', 1);
    const results = await Promise.allSettled([
      inbound.applyOutcomes([{ hookId: 'absent', index: 0, integrationId, outcome: 'opened' }]),
      inbound.applyOutcomes([
        {
          hookId: 'present',
          index: 0,
          integrationId,
          outcome: 'closed',
          incidentId: incident(902),
        },
      ]),
    ]);
    expect(results[0]).toMatchObject({
      status: 'rejected',
      reason: { message: 'inbound message absent not found yet' },
    });
    expect(results[1]).toEqual({ status: 'fulfilled', value: undefined });
    expect((await entry('present')).message).toEqual({
      outcome: 'closed',
      incident_id: incident(902),
      detail: 'mapped',
    });
  });

  it('records outcomes that came in one message, two of one hook among them, and rejects it while a hook is not logged', async () => {
    await logHook('together-a', 2);
    await logHook('together-b', 1);
    const outcomes: HookOutcomeV1[] = [
      { hookId: 'together-a', index: 0, integrationId, outcome: 'opened', incidentId: incident(903) },
      { hookId: 'together-b', index: 0, integrationId, outcome: 'appended', incidentId: incident(904) },
      { hookId: 'together-absent', index: 0, integrationId, outcome: 'opened' },
      { hookId: 'together-a', index: 1, integrationId, outcome: 'ignored', detail: 'nothing open' },
    ];
    await expect(inbound.applyOutcomes(outcomes)).rejects.toThrow(
      'inbound message together-absent not found yet',
    );
    // What could be recorded was; the message comes again and leaves the same rows.
    const recorded = {
      a: {
        message: { outcome: 'opened', incident_id: incident(903), detail: '2 events: 1 opened, 1 ignored' },
        events: [
          { index: 0, outcome: 'opened', incident_id: incident(903), detail: 'mapped' },
          { index: 1, outcome: 'ignored', incident_id: null, detail: 'nothing open' },
        ],
      },
      b: { outcome: 'appended', incident_id: incident(904), detail: 'mapped' },
    };
    expect(await entry('together-a')).toEqual(recorded.a);
    expect((await entry('together-b')).message).toEqual(recorded.b);
    await logHook('together-absent', 1);
    await inbound.applyOutcomes(outcomes);
    expect(await entry('together-a')).toEqual(recorded.a);
    expect((await entry('together-b')).message).toEqual(recorded.b);
    expect((await entry('together-absent')).message).toEqual({
      outcome: 'opened',
      incident_id: null,
      detail: 'mapped',
    });
  });
});
