import type { NatsConnection } from '@nats-io/transport-node';
import {
  EventNormalized,
  eventPartition,
  STREAMS,
  SUBJECTS,
  type EventAction,
  type EventNormalizedV1,
  type HookOutcomeV1,
} from '@tocsin/contracts';
import { connectNats, JetStreamPublisher, Naming } from '@tocsin/messaging';
import {
  createTestInstallation,
  expectEventually,
  ServiceFleet,
  type TestInstallation,
} from '@tocsin/testing';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { replayMismatches, streamMessages, streamOutcomes } from '../support/replay';

const KEYS = 300;
const EVENTS_PER_KEY = 10;

/**
 * Two incident-state processes share one stream of open/close storms for hundreds of keys; one of
 * them is killed and restarted half-way, so messages are redelivered. The incidents they leave
 * must be those of applying each key's events one by one in stream order.
 */
describe('incident order under two replicas and redelivery', () => {
  let installation: TestInstallation;
  let fleets: ServiceFleet[];
  let nc: NatsConnection;
  let pg: Client;
  const integrationId = randomUUID();

  beforeAll(async () => {
    installation = await createTestInstallation('ordering');
    const env = {
      NATS_URL: installation.natsUrl,
      DATABASE_URL: installation.databaseUrl,
      TOCSIN_PREFIX: installation.prefix,
      LOG_LEVEL: 'warn',
    };
    fleets = [
      new ServiceFleet(env, `${installation.prefix}-a`),
      new ServiceFleet(env, `${installation.prefix}-b`),
    ];
    // incident-state asks normalize whether an event's integration exists.
    await fleets[1].start('normalize');
    await Promise.all(fleets.map((f) => f.start('incident-state')));
    nc = await connectNats({
      servers: installation.natsUrl,
      prefix: installation.prefix,
      service: 'test',
      streamReplicas: 1,
    });
    pg = new Client({ connectionString: installation.databaseUrl });
    await pg.connect();
    await pg.query(
      `INSERT INTO normalize.integrations (id, name, kind, token_hash) VALUES ($1, 'storms', 'alert', 'unused')`,
      [integrationId],
    );
  }, 120_000);

  afterAll(async () => {
    await Promise.all((fleets ?? []).map((f) => f.stopAll()));
    await pg?.end();
    await nc?.close();
    await installation?.cleanup();
  }, 60_000);

  it('ends with the states of a sequential replay, and one outcome per event', async () => {
    const naming = new Naming(installation.prefix);
    const publisher = new JetStreamPublisher(nc, naming);
    // Every key gets a random storm of opens and closes; keys are interleaved.
    const plan: { key: string; action: EventAction }[] = [];
    for (let round = 0; round < EVENTS_PER_KEY; round++) {
      const keys = Array.from({ length: KEYS }, (_, i) => `key-${i}`).sort(() => Math.random() - 0.5);
      for (const key of keys) plan.push({ key, action: Math.random() < 0.6 ? 'open' : 'close' });
    }
    const start = Date.now();
    const publish = async (i: number): Promise<void> => {
      const { key, action } = plan[i];
      const event: EventNormalizedV1 = {
        hookId: `h-${i}`,
        index: 0,
        integrationId,
        action,
        dedupKey: key,
        title: `${key} is ${action === 'open' ? 'down' : 'up'}`,
        severity: 'error',
        receivedAt: new Date(start + i).toISOString(),
      };
      await publisher.publish(
        SUBJECTS.eventNormalized(integrationId, eventPartition(integrationId, key)),
        EventNormalized,
        event,
        {
          messageId: `h-${i}:0`,
        },
      );
    };
    const half = Math.floor(plan.length / 2);
    for (let i = 0; i < half; i += 50)
      await Promise.all(Array.from({ length: Math.min(50, half - i) }, (_, j) => publish(i + j)));
    // Kill one replica without a drain while it works, and bring it back: its messages are redelivered.
    const first = fleets[0];
    await expectEventually(
      async () => expect(await handled(first.url('incident-state'))).toBeGreaterThan(0),
      {
        timeoutMs: 30_000,
      },
    );
    await fleets[0]?.stop('incident-state', 'SIGKILL');
    for (let i = half; i < plan.length; i += 50)
      await Promise.all(Array.from({ length: Math.min(50, plan.length - i) }, (_, j) => publish(i + j)));
    await fleets[0]?.start('incident-state');

    // Every event has exactly one outcome.
    await expectEventually(
      async () => {
        const { rows } = await pg.query<{ n: string }>(`SELECT count(*) AS n FROM incident_state.inbox`);
        expect(Number(rows[0]?.n)).toBe(plan.length);
      },
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    // An event the killed replica committed but had not announced yet is announced when it is
    // delivered again (the inbox hands back what it decided), once the replica's lease has expired
    // and its deliveries have timed out: up to about 45 s after the kill.
    const outcomes = await expectEventually(
      async () => {
        const found = await streamOutcomes(nc, naming.stream(STREAMS.outcomes));
        expect(new Set(found.map((o) => `${o.hookId}:${o.index}`)).size).toBe(plan.length);
        return found;
      },
      { timeoutMs: 90_000, intervalMs: 1_000 },
    );
    // Each event has one outcome: one published again by a retry says the same.
    const byEvent = new Map<string, HookOutcomeV1>();
    for (const o of outcomes) {
      const id = `${o.hookId}:${o.index}`;
      const earlier = byEvent.get(id);
      if (earlier) expect(o).toEqual(earlier);
      else byEvent.set(id, o);
    }

    // The stream order of the events, and the states a sequential replay of it gives.
    const events = (await streamMessages(
      nc,
      naming.stream(STREAMS.events),
    )) as unknown as EventNormalizedV1[];
    expect(events.length).toBe(plan.length);
    const mismatches = await replayMismatches(pg, events);
    expect(mismatches).toEqual([]);
    // The replica that ran throughout took part too.
    expect(await handled(fleets[1].url('incident-state'))).toBeGreaterThan(0);
  }, 240_000);

  it('gives an event for an unknown integration the outcome invalid, and opens nothing', async () => {
    const naming = new Naming(installation.prefix);
    const stranger = randomUUID();
    await new JetStreamPublisher(nc, naming).publish(
      SUBJECTS.eventNormalized(stranger, eventPartition(stranger, 'k')),
      EventNormalized,
      {
        hookId: 'stranger',
        index: 0,
        integrationId: stranger,
        action: 'open',
        dedupKey: 'k',
        title: 'from nowhere',
        severity: 'error',
        receivedAt: new Date().toISOString(),
      },
      { messageId: 'stranger:0' },
    );
    const outcome = await expectEventually(async () => {
      const found = (await streamOutcomes(nc, naming.stream(STREAMS.outcomes))).find(
        (o) => o.hookId === 'stranger',
      );
      expect(found).toBeDefined();
      return found;
    });
    expect(outcome).toMatchObject({ outcome: 'invalid', detail: 'the integration does not exist' });
    const { rows } = await pg.query(`SELECT 1 FROM incident_state.incidents WHERE integration_id = $1`, [
      stranger,
    ]);
    expect(rows).toEqual([]);
  }, 60_000);
});

/** Messages a replica has handled on the incident-state-events consumers, from its metrics. */
async function handled(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return text
    .split('\n')
    .filter(
      (line) =>
        line.startsWith('tocsin_handler_duration_seconds_count') && line.includes('incident-state-events'),
    )
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}
