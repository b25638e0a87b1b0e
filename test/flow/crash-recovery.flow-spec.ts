import { expectEventually } from '@tocsin/testing';
import { Tocsin } from './support';

const WEBHOOKS = 1_000;
const CONCURRENCY = 50;

describe('zero loss while normalize is killed', () => {
  const tocsin = new Tocsin();

  beforeAll(() => tocsin.start('crash'), 120_000);
  afterAll(() => tocsin.stop(), 60_000);

  it(`turns ${WEBHOOKS} concurrent webhooks into exactly ${WEBHOOKS} applied events across a SIGKILL of normalize`, async () => {
    const { token } = await tocsin.createIntegration('crash');
    const accepted = new Set<string>();
    const refused: number[] = [];
    let next = 0;
    let killed: Promise<unknown> | undefined;

    const send = async (): Promise<void> => {
      while (next < WEBHOOKS) {
        const n = next++;
        if (n === Math.floor(WEBHOOKS / 4)) {
          // Mid-run: normalize dies without a chance to ack or drain, and comes back later.
          killed = tocsin.fleet
            .stop('normalize', 'SIGKILL')
            .then(() => new Promise((r) => setTimeout(r, 1_500)))
            .then(() => tocsin.fleet.start('normalize'));
        }
        const response = await tocsin.hook(token, { status: 'firing', id: `key-${n}`, title: `alert ${n}` });
        if (response.status === 202) accepted.add(String(response.body['id']));
        else refused.push(response.status);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, send));
    await killed;

    // ingest does not depend on normalize: every webhook was stored and answered 202.
    expect(refused).toEqual([]);
    expect(accepted.size).toBe(WEBHOOKS);

    // Exactly one incident per webhook, each counted once.
    await expectEventually(
      async () => {
        const [row] = await tocsin.sql<{ incidents: string; alerts: string }>(
          `SELECT count(*) AS incidents, coalesce(sum(alert_count), 0) AS alerts FROM incident_state.incidents`,
        );
        expect(Number(row?.incidents)).toBe(WEBHOOKS);
        expect(Number(row?.alerts)).toBe(WEBHOOKS);
      },
      { timeoutMs: 120_000, intervalMs: 500 },
    );

    // Each accepted hook is in the inbound log once, with its final outcome.
    await expectEventually(
      async () => {
        const rows = await tocsin.sql<{ hook_id: string; outcome: string }>(
          `SELECT hook_id, outcome FROM normalize.inbound_messages`,
        );
        expect(rows).toHaveLength(WEBHOOKS);
        expect(new Set(rows.map((r) => r.hook_id))).toEqual(accepted);
        expect(rows.filter((r) => r.outcome !== 'opened')).toEqual([]);
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );

    // incident-state applied each event exactly once, and notifier recorded each opening once.
    const [applied] = await tocsin.sql<{ n: string }>(
      `SELECT count(*) AS n FROM incident_state.inbox WHERE consumer = 'incident-state-events'`,
    );
    expect(Number(applied?.n)).toBe(WEBHOOKS);
    await expectEventually(async () => {
      const [seen] = await tocsin.sql<{ n: string }>(`SELECT count(*) AS n FROM notifier.incident_events`);
      expect(Number(seen?.n)).toBe(WEBHOOKS);
    });
    const numbers = await tocsin.sql<{ number: string }>(
      `SELECT number FROM incident_state.incidents ORDER BY number`,
    );
    expect(new Set(numbers.map((r) => r.number)).size).toBe(WEBHOOKS);
  }, 240_000);
});
