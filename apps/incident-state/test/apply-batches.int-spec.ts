import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import {
  DEFAULT_INCIDENT_POLICY,
  HEADERS,
  HookOutcomes,
  outcomesCarried,
  RPC,
  SEVERITIES,
  STREAMS,
  type EventAction,
  type EventNormalizedV1,
  type HookOutcomesV1,
  type HookOutcomeV1,
  type IncidentChangedV1,
  type IncidentPolicyV1,
  type StreamDefinition,
} from '@tocsin/contracts';
import {
  connectNats,
  JetStreamProvisioner,
  JetStreamPublisher,
  Naming,
  RpcClient,
  uuidv7,
} from '@tocsin/messaging';
import { Inbox, openDataSource } from '@tocsin/persistence';
import { createTestInstallation, type TestInstallation } from '@tocsin/testing';
import { PinoLogger } from 'nestjs-pino';
import type { DataSource } from 'typeorm';
import { EarlierEventFailedError, IncidentsService } from '../src/incidents/incidents.service';
import { KnownIntegrationsService } from '../src/incidents/known-integrations.service';
import { MaintenanceCalendarService } from '../src/maintenance/maintenance-calendar.service';
import { SCHEMA } from '../src/schema';

const logger = new PinoLogger({ pinoHttp: { level: process.env.TEST_LOG_LEVEL ?? 'silent' } });

const MINUTE = 60_000;
/** The workloads' events were received over the last hours, from here on. */
const T0 = Date.now() - 4 * 60 * MINUTE;
/** Integrations normalize answers 404 for. */
const unknownIntegrations = new Set<string>();

/** A message as the consumer hands it over: the payload and the message id. */
interface Delivery {
  event: EventNormalizedV1;
  messageId: string;
}

/**
 * incident-state's event path on one installation of its own (database, NATS prefix): the
 * service wired as the application wires it, on the real PostgreSQL and NATS, and a responder
 * standing in for normalize, which answers whether an integration exists.
 */
class Replica {
  private constructor(
    readonly installation: TestInstallation,
    readonly naming: Naming,
    readonly nc: NatsConnection,
    readonly jsm: JetStreamManager,
    readonly dataSource: DataSource,
    readonly inbox: Inbox,
    readonly calendar: MaintenanceCalendarService,
    readonly integrations: KnownIntegrationsService,
    readonly publisher: JetStreamPublisher,
    readonly service: IncidentsService,
    private readonly normalize: Subscription,
  ) {}

  static async start(tag: string): Promise<Replica> {
    const installation = await createTestInstallation(tag);
    const naming = new Naming(installation.prefix);
    const nc = await connectNats({
      servers: installation.natsUrl,
      prefix: installation.prefix,
      service: 'incident-state',
      streamReplicas: 1,
    });
    await new JetStreamProvisioner(nc, naming, 1).ensureAllStreams();
    const normalize = nc.subscribe(naming.subject(RPC.normalize.getIntegration), {
      callback: (_error, msg) => {
        const { id } = msg.json<{ id: string }>();
        msg.respond(
          JSON.stringify(
            unknownIntegrations.has(id)
              ? { ok: false, error: { status: 404, code: 'not_found', message: `no integration ${id}` } }
              : { ok: true, data: { id } },
          ),
        );
      },
    });
    const dataSource = await openDataSource(installation.databaseUrl, SCHEMA);
    const inbox = new Inbox(dataSource);
    const calendar = new MaintenanceCalendarService(dataSource, logger);
    await calendar.onApplicationBootstrap();
    const integrations = new KnownIntegrationsService(new RpcClient(nc, naming));
    const publisher = new JetStreamPublisher(nc, naming);
    const service = new IncidentsService(inbox, publisher, integrations, calendar, logger);
    return new Replica(
      installation,
      naming,
      nc,
      await jetstreamManager(nc),
      dataSource,
      inbox,
      calendar,
      integrations,
      publisher,
      service,
      normalize,
    );
  }

  async stop(): Promise<void> {
    this.calendar.onApplicationShutdown();
    this.normalize.unsubscribe();
    await this.dataSource.destroy();
    await this.nc.close();
    await this.installation.cleanup();
  }

  /** Adds maintenance windows (minutes after T0) and lets the calendar know at once. */
  async maintain(
    windows: { integrationId?: string; service?: string; from: number; to: number }[],
  ): Promise<void> {
    for (const w of windows) {
      await this.dataSource.query(
        `INSERT INTO "incident_state"."maintenance_windows"
           ("id", "integration_id", "service", "starts_at", "ends_at", "created_by") VALUES ($1, $2, $3, $4, $5, 'test')`,
        [
          uuidv7(),
          w.integrationId ?? null,
          w.service ?? null,
          new Date(T0 + w.from * MINUTE),
          new Date(T0 + w.to * MINUTE),
        ],
      );
    }
    await this.calendar.refresh();
  }

  /** Applies the deliveries in order, one call per batch of the given sizes. */
  async inBatches(deliveries: Delivery[], sizes: number[]): Promise<(Error | undefined)[]> {
    const results: (Error | undefined)[] = [];
    let at = 0;
    for (const size of sizes) {
      results.push(...(await this.service.applyAll(deliveries.slice(at, at + size))));
      at += size;
    }
    expect(at).toBe(deliveries.length);
    return results;
  }

  /** Applies the deliveries one by one, each once the one before it is done. */
  async oneByOne(deliveries: Delivery[]): Promise<(Error | undefined)[]> {
    const results: (Error | undefined)[] = [];
    for (const { event, messageId } of deliveries) {
      results.push(
        await this.service.apply(event, messageId).then(
          () => undefined,
          (error: Error) => error,
        ),
      );
    }
    return results;
  }

  /** Counts the transactions the inbox opens for events while `work` runs. */
  async transactions(work: () => Promise<void>): Promise<number> {
    const spy = jest.spyOn(this.inbox, 'applyEachOnce');
    try {
      await work();
      return spy.mock.calls.length;
    } finally {
      spy.mockRestore();
    }
  }

  /** The messages of a stream, in stream order. */
  async published(stream: StreamDefinition): Promise<Published[]> {
    const name = this.naming.stream(stream);
    const { state } = await this.jsm.streams.info(name);
    const found: Published[] = [];
    for (let seq = state.first_seq; state.messages > 0 && seq <= state.last_seq; seq += 1) {
      const msg = await this.jsm.streams.getMessage(name, { seq });
      if (!msg) continue;
      const headers: Record<string, string> = {};
      for (const key of msg.header?.keys() ?? []) headers[key] = msg.header.values(key).join(',');
      const { occurredAt: _occurredAt, ...envelope } = msg.json<
        Published['envelope'] & { occurredAt: string }
      >();
      found.push({ subject: this.naming.relative(msg.subject), headers, envelope });
    }
    return found;
  }

  /**
   * Everything the events of some integrations left: their incidents, alerts and timeline entries,
   * the `incident.changed` messages and the outcomes published for them. Each incident id
   * is replaced by a name: its number (counted from the first of these incidents), or, where
   * numbers may differ, the hook whose event opened it. Row ids and envelope times are left out.
   * Changes keep their order per incident; with `by: 'opener'`, timeline entries too, and the
   * numbers in snapshots are left out.
   */
  async dump(integrationIds: string[], by: 'number' | 'opener'): Promise<Dump> {
    const query = (sql: string) => this.dataSource.query<Record<string, unknown>[]>(sql, [integrationIds]);
    const incidents = await query(
      `SELECT i.*, i."number"::int AS "number",
              (SELECT t."hook_id" FROM "incident_state"."timeline" t
               WHERE t."incident_id" = i."id" ORDER BY t."id" LIMIT 1) AS "opener"
       FROM "incident_state"."incidents" i WHERE i."integration_id" = ANY($1::uuid[])`,
    );
    const first = Math.min(...incidents.map((i) => i.number as number));
    const names = new Map(
      incidents.map((i) => [
        i.id as string,
        by === 'number' ? `#${(i.number as number) - first + 1}` : `opened by ${String(i.opener)}`,
      ]),
    );
    expect(new Set(names.values()).size).toBe(names.size);
    const alerts = await query(
      `SELECT a.* FROM "incident_state"."alerts" a JOIN "incident_state"."incidents" i ON i."id" = a."incident_id"
       WHERE i."integration_id" = ANY($1::uuid[])`,
    );
    const timeline = await query(
      `SELECT t.* FROM "incident_state"."timeline" t JOIN "incident_state"."incidents" i ON i."id" = t."incident_id"
       WHERE i."integration_id" = ANY($1::uuid[]) ORDER BY t."id"`,
    );
    const ours = new Set(integrationIds);
    const changes = (await this.published(STREAMS.incidents)).filter((m) =>
      ours.has((m.envelope.payload as IncidentChangedV1).incident.integrationId),
    );
    // An outcome published again (a retry that grouped it with others) says the same each time.
    const once = new Map<string, HookOutcomeV1>();
    for (const outcome of (await this.published(STREAMS.outcomes)).flatMap((m) =>
      outcomesCarried(m.envelope),
    )) {
      if (!ours.has(outcome.integrationId)) continue;
      const earlier = once.get(outcomeId(outcome));
      if (earlier) expect(outcome).toEqual(earlier);
      else once.set(outcomeId(outcome), outcome);
    }
    const outcomes = [...once.values()];
    // Every incident id, wherever it appears, becomes the incident's name.
    const pattern = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
    const named = JSON.parse(
      JSON.stringify({
        incidents: incidents.map(({ id, number, opener: _opener, ...row }) => ({
          name: id,
          ...(by === 'number' ? { number: (number as number) - first + 1 } : {}),
          ...row,
        })),
        alerts,
        timeline: timeline.map(({ id: _id, ...row }) => row),
        changes,
        outcomes,
      }).replace(pattern, (id) => names.get(id) ?? id),
    ) as Dump;
    const order = <T>(list: T[], on: (item: T) => string): T[] =>
      list.sort((a, b) => on(a).localeCompare(on(b)));
    order(named.incidents, (row) => String(row.name));
    order(named.alerts, (row) => `${String(row.incident_id)}\n${String(row.dedup_key)}`);
    // Keys publish side by side: changes keep their order per incident, outcomes per hook.
    order(named.changes, (m) => m.headers[HEADERS.incidentId]);
    order(named.outcomes, outcomeId);
    if (by === 'opener') {
      order(named.timeline, (row) => String(row.incident_id));
      for (const m of named.changes) {
        delete (m.envelope.payload as { incident: { number?: number } }).incident.number;
      }
    }
    return named;
  }
}

/** What `Replica.dump` gives. */
interface Dump {
  incidents: Record<string, unknown>[];
  alerts: Record<string, unknown>[];
  timeline: Record<string, unknown>[];
  changes: Published[];
  outcomes: HookOutcomeV1[];
}

function outcomeId(outcome: HookOutcomeV1): string {
  return `${outcome.hookId}:${outcome.index}`;
}

/** A stored message: its subject, headers and envelope (without its time). */
interface Published {
  subject: string;
  headers: Record<string, string>;
  envelope: { id: string; payload: unknown };
}

/** A seeded pseudo-random generator (xorshift32): a seed always gives the same workload. */
function seeded(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

/** Random sizes from 1 to `max` adding up to `total`. */
function sizes(total: number, max: number, random: () => number): number[] {
  const out: number[] = [];
  for (let left = total; left > 0;) {
    const size = Math.min(left, 1 + Math.floor(random() * max));
    out.push(size);
    left -= size;
  }
  return out;
}

/** One incident key of a workload: an integration and the dedup keys of its alerts. */
interface KeySpec {
  integrationId: string;
  /** Gathers the alerts of all its dedup keys into one incident. */
  groupKey?: string;
  dedupKeys: string[];
  service?: string;
  title?: string;
}

/** Small thresholds, so that the workload reopens incidents and its alerts flap. */
const REOPENING: IncidentPolicyV1 = {
  reopenWindowMinutes: 10,
  flapTransitions: 2,
  flapWindowMinutes: 30,
  flapQuietMinutes: 5,
  pageOnNewAlert: false,
};
const GROUPING: IncidentPolicyV1 = {
  reopenWindowMinutes: 5,
  flapTransitions: 3,
  flapWindowMinutes: 20,
  flapQuietMinutes: 3,
  pageOnNewAlert: true,
};
const ESCALATION_POLICY = uuidv7();

interface Workload {
  /** Its integrations: with the default policy, REOPENING, GROUPING, and one that does not exist. */
  plain: string;
  reopening: string;
  grouped: string;
  unknown: string;
  deliveries: Delivery[];
  /** The position in `keys` of each delivery's key. */
  keyOf: number[];
}

/**
 * `count` messages about 20 keys of four integrations, in stream order: runs of one key's events
 * (open, close, acknowledge, update; several alerts under one group key), about 25 s apart with a
 * few received out of order, and a few messages delivered again shortly after.
 */
function workload(seed: number, count: number): Workload {
  const random = seeded(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
  const [plain, reopening, grouped, unknown] = [uuidv7(), uuidv7(), uuidv7(), uuidv7()];
  unknownIntegrations.add(unknown);
  const policies = new Map([
    [reopening, REOPENING],
    [grouped, GROUPING],
    [unknown, DEFAULT_INCIDENT_POLICY],
  ]);
  const keys: KeySpec[] = [
    ...['disk-full', 'cpu-high', 'backup-failed', 'memory-leak'].map((d) => ({
      integrationId: plain,
      dedupKeys: [d],
      service: 'checkout',
    })),
    // NUL, which PostgreSQL text cannot hold, and a 10 KB key.
    { integrationId: plain, dedupKeys: ['nul\u0000key'] },
    { integrationId: plain, dedupKeys: [`long-${'0123456789'.repeat(1024)}`] },
    {
      integrationId: plain,
      dedupKeys: ['cert-expiry'],
      title: 'cert\u0001 expiry\u0007 \u001b[31mred\u001b[0m\ttab\u0000nul\u007f',
    },
    ...['api-5xx', 'api-latency', 'replica-lag', 'queue-depth', 'cron-missed'].map((d) => ({
      integrationId: reopening,
      dedupKeys: [d],
    })),
    ...['payments-timeout', 'payments-declines'].map((d) => ({
      integrationId: reopening,
      dedupKeys: [d],
      service: 'payments',
    })),
    {
      integrationId: grouped,
      groupKey: 'db-cluster',
      dedupKeys: ['db-1', 'db-2', 'db-3'],
      service: 'payments',
    },
    { integrationId: grouped, groupKey: 'web', dedupKeys: ['web-a', 'web-b'] },
    { integrationId: grouped, dedupKeys: ['lonely'] },
    { integrationId: unknown, dedupKeys: ['ghost-1'] },
    { integrationId: unknown, dedupKeys: ['ghost-2'] },
  ];
  const actions: [EventAction, number][] = [
    ['open', 0.45],
    ['close', 0.3],
    ['acknowledge', 0.1],
    ['update', 0.15],
  ];
  const deliveries: Delivery[] = [];
  const keyOf: number[] = [];
  let at = T0;
  let k = 0;
  for (let i = 0; i < count; i += 1) {
    if (i > 0 && random() < 0.04) {
      // A message delivered again (its acknowledgement was lost), shortly after.
      const back = Math.min(deliveries.length, 1 + Math.floor(random() * 6));
      deliveries.push(deliveries[deliveries.length - back]);
      keyOf.push(keyOf[keyOf.length - back]);
      continue;
    }
    if (random() < 0.45) k = Math.floor(random() * keys.length);
    const key = keys[k];
    at += 5_000 + Math.floor(random() * 40_000);
    // Now and then an event received before those ahead of it in the stream.
    const receivedAt = random() < 0.06 ? at - Math.floor(random() * 20 * MINUTE) : at;
    let roll = random();
    const action = actions.find(([, weight]) => (roll -= weight) < 0)?.[0] ?? 'open';
    const dedupKey = pick(key.dedupKeys);
    const hookId = `h${seed}-${i}`;
    const policy = policies.get(key.integrationId);
    deliveries.push({
      messageId: `${hookId}:0`,
      event: {
        hookId,
        index: 0,
        integrationId: key.integrationId,
        action,
        dedupKey,
        ...(key.groupKey ? { groupKey: key.groupKey } : {}),
        title:
          action === 'update'
            ? `${dedupKey.slice(0, 20)} changed at ${i}`
            : (key.title ?? `${dedupKey.slice(0, 20)} is failing`),
        ...(random() < 0.5
          ? { description: random() < 0.2 ? `details\u0000 of ${i}` : `details of ${i}` }
          : {}),
        severity: pick(SEVERITIES),
        // Only some events name the service: the first that does sets the incident's.
        ...(key.service && random() < 0.7 ? { service: key.service } : {}),
        receivedAt: new Date(receivedAt).toISOString(),
        ...(policy ? { policy } : {}),
        ...(key.integrationId === plain ? { escalationPolicyId: ESCALATION_POLICY } : {}),
      },
    });
    keyOf.push(k);
  }
  return { plain, reopening, grouped, unknown, deliveries, keyOf };
}

/** The maintenance windows a workload's events meet: its payments service, then its grouped integration. */
function windows(w: Workload): { integrationId?: string; service?: string; from: number; to: number }[] {
  return [
    { service: 'payments', from: 40, to: 80 },
    { integrationId: w.grouped, from: 120, to: 150 },
  ];
}

/**
 * Messages about one key of a new integration, in stream order: `[action, minutes after T0,
 * dedup key]` each; the key is the group key `g` when dedup keys are given.
 */
function scenario(
  policy: IncidentPolicyV1,
  steps: [EventAction, number, string?][],
): { integrationId: string; deliveries: Delivery[] } {
  const integrationId = uuidv7();
  const deliveries = steps.map(([action, minutes, dedupKey], n): Delivery => {
    const hookId = `s-${integrationId}-${n}`;
    return {
      messageId: `${hookId}:0`,
      event: {
        hookId,
        index: 0,
        integrationId,
        action,
        dedupKey: dedupKey ?? 'flaky',
        ...(dedupKey ? { groupKey: 'g' } : {}),
        title: `step ${n}`,
        severity: 'error',
        receivedAt: new Date(T0 + minutes * MINUTE).toISOString(),
        policy,
      },
    };
  });
  return { integrationId, deliveries };
}

/**
 * incident-state applying a partition's messages together (`applyAll`), on the real PostgreSQL
 * and NATS, compared with applying the same messages one by one (`apply`) on a second
 * installation: the same incidents (numbers included), alerts, timeline, outcomes and published
 * changes, down to each change's snapshot.
 */
describe('incident-state applies a partition batch as one by one would', () => {
  let batched: Replica;
  let single: Replica;

  beforeAll(async () => {
    [batched, single] = await Promise.all([Replica.start('apply_batched'), Replica.start('apply_single')]);
  }, 90_000);

  afterAll(async () => {
    await batched?.stop();
    await single?.stop();
  }, 60_000);

  it('ends a seeded workload applied in batches of random sizes exactly as applying it event by event', async () => {
    const w = workload(1, 420);
    await batched.maintain(windows(w));
    await single.maintain(windows(w));
    const random = seeded(11);
    const batches = sizes(w.deliveries.length, 40, random);
    let results: (Error | undefined)[] = [];
    const transactions = await batched.transactions(async () => {
      results = await batched.inBatches(w.deliveries, batches);
    });
    // One transaction per batch.
    expect(transactions).toBe(batches.length);
    expect(results.filter(Boolean)).toEqual([]);
    expect((await single.oneByOne(w.deliveries)).filter(Boolean)).toEqual([]);

    const integrations = [w.plain, w.reopening, w.grouped, w.unknown];
    const expected = await single.dump(integrations, 'number');
    expect(await batched.dump(integrations, 'number')).toEqual(expected);

    // The workload meets what the state machine does.
    const outcomes = new Set(expected.outcomes.map((o) => o.outcome));
    expect([...outcomes].sort()).toEqual(
      ['acknowledged', 'appended', 'closed', 'ignored', 'invalid', 'opened', 'updated'].sort(),
    );
    const changes = expected.changes.map((m) => m.envelope.payload as IncidentChangedV1);
    expect(new Set(changes.map((c) => c.change))).toEqual(
      new Set(['opened', 'appended', 'updated', 'acknowledged', 'resolved', 'reopened', 'flapping']),
    );
    expect(new Set(changes.map((c) => c.held))).toEqual(new Set([undefined, 'maintenance', 'flapping']));
    // pageOnNewAlert: an alert joining an open incident of the grouped integration pages.
    expect(changes.some((c) => c.change === 'appended' && c.page)).toBe(true);
    // Keys whose incident resolved and a second one opened.
    const perKey = new Map<string, number>();
    for (const row of expected.incidents) {
      const key = `${String(row.integration_id)}/${String(row.group_key)}`;
      perKey.set(key, (perKey.get(key) ?? 0) + 1);
    }
    expect([...perKey.values()].filter((n) => n > 1).length).toBeGreaterThan(3);
    // Texts lose their NUL characters only.
    const titles = new Set(changes.map((c) => c.incident.title));
    expect([...titles].some((t) => t.includes('\u0000'))).toBe(false);
    expect(titles).toContain('cert\u0001 expiry\u0007 \u001b[31mred\u001b[0m\ttabnul\u007f');
  }, 120_000);

  /** Applies one key's events in the given batches and one by one: the same, named by number. */
  async function compare(deliveries: Delivery[], batches: number[]): Promise<Dump> {
    const integrationId = deliveries[0].event.integrationId;
    expect((await batched.inBatches(deliveries, batches)).filter(Boolean)).toEqual([]);
    expect((await single.oneByOne(deliveries)).filter(Boolean)).toEqual([]);
    const expected = await single.dump([integrationId], 'number');
    expect(await batched.dump([integrationId], 'number')).toEqual(expected);
    return expected;
  }

  it('reopens the incident resolved last, even when an incident in hand resolved earlier by an event out of order', async () => {
    const { deliveries } = scenario(REOPENING, [
      // The first incident: open, resolved at minute 5.
      ['open', 0],
      ['close', 5],
      // Received before that resolve: too early to reopen it, a second incident opens.
      ['open', 3],
      // The second resolves at minute 4; the next open reopens the first, resolved later: in one
      // batch, one incident stops being the key's open one and another becomes it.
      ['close', 4],
      ['open', 6],
      // A third incident opens, is acknowledged, resolved, reopened and appended to in one batch.
      ['close', 7],
      ['open', 30],
      ['acknowledge', 31],
      ['close', 32],
      ['open', 33],
      ['open', 34],
    ]);
    const expected = await compare(deliveries, [2, 1, 2, 6]);
    expect(
      expected.incidents.map((row) => [row.number, row.status, row.reopen_count, row.acknowledged_by]),
    ).toEqual([
      [1, 'resolved', 1, null],
      [2, 'resolved', 0, null],
      [3, 'triggered', 1, null],
    ]);
  }, 60_000);

  it('hands the next event of a key the alerts as stored, not as an event calmed them in passing', async () => {
    const { deliveries } = scenario(GROUPING, [
      ['open', 0, 'y'],
      ['open', 0.2, 'x'],
      // Four transitions of x within the window: it flaps (GROUPING allows three).
      ['close', 0.4, 'x'],
      ['open', 0.6, 'x'],
      ['close', 0.8, 'x'],
      ['open', 1, 'x'],
      // Four minutes later x is quiet, but only y is written.
      ['open', 5, 'y'],
      // Received earlier: x, as stored, still flaps at 3.5.
      ['open', 3.5, 'x'],
    ]);
    const expected = await compare(deliveries, [deliveries.length]);
    const last = expected.changes[expected.changes.length - 1].envelope.payload as IncidentChangedV1;
    expect([last.change, last.alert?.dedupKey, last.alert?.flapping]).toEqual(['appended', 'x', true]);
  }, 60_000);

  it('applies the batches of partitions handed over at the same moment in shared transactions', async () => {
    const w = workload(2, 360);
    await batched.maintain(windows(w));
    await single.maintain(windows(w));
    const random = seeded(22);
    // Four partitions, each with its keys' messages in stream order, handed over in batches.
    const partitions = [0, 1, 2, 3].map((p) => w.deliveries.filter((_, i) => w.keyOf[i] % 4 === p));
    let calls = 0;
    let results: (Error | undefined)[][] = [];
    const transactions = await batched.transactions(async () => {
      results = await Promise.all(
        partitions.map(async (deliveries) => {
          const out: (Error | undefined)[] = [];
          let at = 0;
          for (const size of sizes(deliveries.length, 30, random)) {
            calls += 1;
            out.push(...(await batched.service.applyAll(deliveries.slice(at, at + size))));
            at += size;
          }
          return out;
        }),
      );
    });
    expect(results.flat().filter(Boolean)).toEqual([]);
    expect(transactions).toBeLessThan(calls);
    expect((await single.oneByOne(w.deliveries)).filter(Boolean)).toEqual([]);

    const integrations = [w.plain, w.reopening, w.grouped, w.unknown];
    expect(await batched.dump(integrations, 'opener')).toEqual(await single.dump(integrations, 'opener'));
  }, 120_000);

  it('fails a failing event alone: the later events of its key are not applied, other keys are', async () => {
    const w = workload(3, 200);
    const integrations = [w.plain, w.reopening, w.grouped, w.unknown];
    // Four partitions, each handed over whole, at the same moment: the first two go alone, the
    // last two share a transaction, and the last holds the poison. (Their integrations exist and
    // that is known already, so the four calls submit their events at once.)
    const partitions = [0, 1, 2, 3].map((p) =>
      w.deliveries.filter((d, i) => w.keyOf[i] % 4 === p && d.event.integrationId !== w.unknown),
    );
    const poisoned = partitions[3];
    const keyOf = (d: Delivery) => `${d.event.integrationId}/${d.event.groupKey ?? d.event.dedupKey}`;
    // An open (it always writes a timeline entry), with events of its key
    // before it and after it in the batch.
    const at = poisoned.findIndex(
      (d, i) =>
        d.event.action === 'open' &&
        poisoned.slice(0, i).some((e) => keyOf(e) === keyOf(d)) &&
        poisoned.slice(i + 1).filter((e) => keyOf(e) === keyOf(d)).length >= 2,
    );
    expect(at).toBeGreaterThan(0);
    const poison = poisoned[at];
    const waits = (d: Delivery, i: number) => i >= at && keyOf(d) === keyOf(poison);
    for (const id of [w.plain, w.reopening, w.grouped]) await batched.integrations.exists(id);
    await batched.dataSource.query(
      `ALTER TABLE "incident_state"."timeline" ADD CONSTRAINT "test_poison"
       CHECK ("hook_id" IS DISTINCT FROM '${poison.event.hookId}')`,
    );
    const spy = jest.spyOn(batched.inbox, 'applyEachOnce');
    let results: (Error | undefined)[][];
    try {
      results = await Promise.all(partitions.map((deliveries) => batched.service.applyAll(deliveries)));
    } finally {
      await batched.dataSource.query(`ALTER TABLE "incident_state"."timeline" DROP CONSTRAINT "test_poison"`);
    }
    // The transaction the poisoned partition shared with another was tried.
    const tried = spy.mock.calls.map(([, items]) => new Set(items.map((item) => item.messageId)));
    spy.mockRestore();
    expect(tried.some((ids) => ids.has(poison.messageId) && ids.has(partitions[2][0].messageId))).toBe(true);
    expect(results.slice(0, 3).flat().filter(Boolean)).toEqual([]);
    poisoned.forEach((d, i) => {
      const result = results[3][i];
      if (i === at) expect(result?.message).toMatch(/violates check constraint "test_poison"/);
      else if (waits(d, i)) {
        expect(result).toBeInstanceOf(EarlierEventFailedError);
        expect(result?.message).toMatch(/an earlier event of .* failed: .*test_poison/);
      } else expect(result).toBeUndefined();
    });
    // As if the events before the poison, and those of other keys, had been applied one by one.
    const applied = [...partitions.slice(0, 3).flat(), ...poisoned.filter((d, i) => !waits(d, i))];
    expect((await single.oneByOne(applied)).filter(Boolean)).toEqual([]);
    expect(await batched.dump(integrations, 'opener')).toEqual(await single.dump(integrations, 'opener'));

    // The consumer delivers the partition again from the failed message on: now all of it applies.
    expect((await batched.service.applyAll(poisoned.slice(at))).filter(Boolean)).toEqual([]);
    expect((await single.oneByOne(poisoned.filter(waits))).filter(Boolean)).toEqual([]);
    expect(await batched.dump(integrations, 'opener')).toEqual(await single.dump(integrations, 'opener'));
  }, 120_000);

  it('fails an event whose announcement is not stored, and publishes none of its key after it', async () => {
    const first = scenario(REOPENING, [
      ['open', 0],
      ['open', 1],
      ['close', 2],
      ['open', 3],
    ]).deliveries;
    const other = scenario(REOPENING, [
      ['open', 0],
      ['open', 1],
    ]).deliveries;
    // Interleaved, as one partition holds them; the outcome of the first key's second event fails.
    const deliveries = [first[0], other[0], first[1], first[2], other[1], first[3]];
    const refused = first[1].event.hookId;
    const publish = batched.publisher.publish.bind(batched.publisher);
    const spy = jest
      .spyOn(batched.publisher, 'publish')
      .mockImplementation((subject, type, payload, options) =>
        type === HookOutcomes && (payload as HookOutcomesV1).outcomes.some((o) => o.hookId === refused)
          ? Promise.reject(new Error('no stream answered'))
          : publish(subject, type, payload, options),
      );
    let results: (Error | undefined)[];
    try {
      results = await batched.service.applyAll(deliveries);
    } finally {
      spy.mockRestore();
    }
    // The other key's second outcome fails too when it went out in the refused message.
    expect(results.map((r) => r?.message)).toEqual([
      undefined,
      undefined,
      'no stream answered',
      expect.stringMatching(/^an earlier event of .* failed: no stream answered$/),
      results[4] === undefined ? undefined : 'no stream answered',
      expect.stringMatching(/^an earlier event of .* failed: no stream answered$/),
    ]);
    const outcomesOf = async () =>
      (await batched.published(STREAMS.outcomes)).flatMap((m) => outcomesCarried(m.envelope)).map(outcomeId);
    const changesOf = async (hookIds: string[]) =>
      (await batched.published(STREAMS.incidents))
        .filter((m) => hookIds.includes(m.headers[HEADERS.hookId]))
        .map((m) => m.headers[HEADERS.hookId]);
    const hooks = first.map((d) => d.event.hookId);
    // The events were applied; of the first key only what came before the failure is published.
    const stored = await outcomesOf();
    expect(hooks.map((h) => stored.includes(`${h}:0`))).toEqual([true, false, false, false]);
    expect(await changesOf(hooks)).toEqual([hooks[0], hooks[1]]);

    // Delivered again from the failed message on: the stored announcements publish, in order.
    expect((await batched.service.applyAll(deliveries.slice(2))).filter(Boolean)).toEqual([]);
    const again = await outcomesOf();
    expect(hooks.map((h) => again.includes(`${h}:0`))).toEqual([true, true, true, true]);
    expect(await changesOf(hooks)).toEqual(hooks);
  }, 60_000);
});
