import type { NatsConnection } from '@nats-io/transport-node';
import type { AppName } from '@tocsin/config';
import { STREAMS, type EventNormalizedV1 } from '@tocsin/contracts';
import { connectNats, Naming } from '@tocsin/messaging';
import { HttpReceiver, PrivateNats, PrivatePostgres } from '@tocsin/testing';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Pool } from 'pg';
import { Tocsin } from '../flow/support';
import { replayMismatches, streamMessages, unsettledMessages } from '../support/replay';
import { LoadGenerator, type Webhook } from './load';

/**
 * Webhooks flow at a steady rate while, one at a time, a replica of normalize, incident-state,
 * notifier and ingest is killed with SIGKILL, nats-server is restarted and PostgreSQL is restarted
 * (all on servers of the test's own). Afterwards the books must balance exactly.
 *
 * Sizes come from the environment; `npm test` runs the defaults, `npm run chaos` the full size.
 */
const SETTINGS = {
  webhooks: Number(process.env['CHAOS_WEBHOOKS'] ?? 2_000),
  rate: Number(process.env['CHAOS_RATE'] ?? 25),
  /** Integrations the webhooks are spread over (normalize handles one integration's hooks in order). */
  integrations: Number(process.env['CHAOS_INTEGRATIONS'] ?? 4),
  /** Incident keys per integration. */
  keys: Number(process.env['CHAOS_KEYS'] ?? 50),
  /** Load before the first fault: the latency it measures is the baseline. */
  warmupMs: Number(process.env['CHAOS_WARMUP_MS'] ?? 10_000),
  /** Quiet time after each recovery. */
  gapMs: Number(process.env['CHAOS_GAP_MS'] ?? 3_000),
  /** How long a killed process or stopped server stays down. */
  downMs: Number(process.env['CHAOS_DOWN_MS'] ?? 1_000),
  faults: (process.env['CHAOS_FAULTS'] ?? 'normalize,incident-state,notifier,ingest,nats,postgres')
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean),
  /** `hard`: nats-server gets SIGKILL and PostgreSQL an immediate stop (crash recovery at start). */
  hard: process.env['CHAOS_HARD'] === '1',
  report: process.env['CHAOS_REPORT'] ?? resolve(__dirname, '../../tmp/chaos/report.md'),
};
const REPLICAS: Partial<Record<AppName, number>> = {
  ingest: 2,
  normalize: 2,
  'incident-state': 2,
  notifier: 2,
};
const FINAL_OUTCOMES = ['opened', 'appended', 'closed', 'acknowledged', 'updated', 'ignored'];

let sqlPool: Pool | undefined;
async function sql<T>(query: string, params: unknown[] = []): Promise<T[]> {
  if (!sqlPool) throw new Error('no database yet');
  return (await sqlPool.query(query, params)).rows as T[];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface FaultRun {
  name: string;
  at: number;
  /** When the killed process was ready again, or the server answered again. */
  restoredAt: number;
}

interface Fault {
  name: string;
  /** Processes that stop on purpose during the fault (not crashes). */
  expectedDown: string[];
  inject(): Promise<void>;
}

describe('faults under load, with exact accounting', () => {
  const tocsin = new Tocsin();
  const receiver = new HttpReceiver();
  const runId = Date.now().toString(36);
  const logDir = resolve(__dirname, '../../tmp/logs', `chaos-${runId}`);
  mkdirSync(logDir, { recursive: true });
  const nats = new PrivateNats(join(logDir, 'nats-server.log'));
  const postgres = new PrivatePostgres(join(logDir, 'postgres.log'));
  let nc: NatsConnection;
  let db: Pool;
  let integrationIds: string[];
  let tokens: string[];

  beforeAll(async () => {
    await Promise.all([nats.start(), postgres.start(), receiver.start()]);
    receiver.answer = (_request, response) => response.writeHead(204).end();
    await tocsin.start(
      'chaos',
      {
        LOG_LEVEL: 'warn',
        NOTIFIER_THROTTLES: 'off',
        INGEST_RATE_PER_INTEGRATION: '1000000',
        INGEST_BURST_PER_INTEGRATION: '1000000',
      },
      { servers: { natsUrl: nats.url, databaseServer: postgres.server }, replicas: REPLICAS },
    );
    const user = await tocsin.api('POST', '/v1/users', {
      name: 'On Call',
      email: 'on.call@example.com',
      timeZone: 'UTC',
    });
    expect(user.status).toBe(201);
    const userId = (user.body as { id: string }).id;
    const method = await tocsin.api('POST', `/v1/users/${userId}/contact-methods`, {
      kind: 'webhook',
      address: `${receiver.url}/pages`,
    });
    expect(method.status).toBe(201);
    const rule = await tocsin.api('POST', `/v1/users/${userId}/notification-rules`, {
      contactMethodId: (method.body as { id: string }).id,
      delayMinutes: 0,
    });
    expect(rule.status).toBe(201);
    const policy = await tocsin.api('POST', '/v1/escalation-policies', {
      name: 'Page on call once',
      steps: [{ targets: [{ type: 'user', id: userId }], delayMinutes: 5 }],
    });
    expect(policy.status).toBe(201);
    const integrations = [];
    for (let i = 0; i < SETTINGS.integrations; i++) {
      integrations.push(
        await tocsin.createIntegration(`chaos-${i}`, {
          escalationPolicyId: (policy.body as { id: string }).id,
        }),
      );
    }
    integrationIds = integrations.map((i) => i.id);
    tokens = integrations.map((i) => i.token);
    // A pool, not one client: PostgreSQL restarts during the run.
    db = new Pool({ connectionString: tocsin.installation.databaseUrl, max: 2 });
    db.on('error', () => undefined);
    sqlPool = db;
    nc = await connectNats({
      servers: nats.url,
      prefix: tocsin.installation.prefix,
      service: 'chaos-test',
      streamReplicas: 1,
    });
  }, 300_000);

  afterAll(async () => {
    await nc?.close().catch(() => undefined);
    await db?.end().catch(() => undefined);
    await tocsin.stop().catch(() => undefined);
    await Promise.all([receiver.stop(), nats.dispose(), postgres.dispose()]);
  }, 120_000);

  it(`accounts exactly for ${SETTINGS.webhooks}+ webhooks across ${SETTINGS.faults.join(', ')}`, async () => {
    const fleet = tocsin.fleet;
    // The producer keeps sending to both ingest addresses, as through a load balancer whose health
    // checks have not noticed yet: a dead replica means connection errors, and a retry elsewhere.
    const ingestUrls = [fleet.url('ingest', 0), fleet.url('ingest', 1)];
    const load = new LoadGenerator({
      targets: () => ingestUrls,
      tokens,
      rate: SETTINGS.rate,
      keys: SETTINGS.keys,
    });

    const killReplica = (app: AppName): Fault => ({
      name: `SIGKILL ${app} (1 of ${REPLICAS[app] ?? 1})`,
      expectedDown: [app],
      inject: async () => {
        await fleet.stop(app, 'SIGKILL', 0);
        await sleep(SETTINGS.downMs);
        await fleet.start(app, {}, 0);
      },
    });
    const catalog: Record<string, Fault> = {
      normalize: killReplica('normalize'),
      'incident-state': killReplica('incident-state'),
      notifier: killReplica('notifier'),
      ingest: killReplica('ingest'),
      nats: {
        name: `restart nats-server (${SETTINGS.hard ? 'SIGKILL' : 'SIGTERM'})`,
        expectedDown: [],
        inject: () => nats.restart(SETTINGS.hard ? 'SIGKILL' : 'SIGTERM', SETTINGS.downMs),
      },
      postgres: {
        name: `restart PostgreSQL (${SETTINGS.hard ? 'immediate' : 'fast'} stop)`,
        expectedDown: [],
        inject: () => postgres.restart(SETTINGS.hard ? 'immediate' : 'fast', SETTINGS.downMs),
      },
    };
    const faults = SETTINGS.faults.map((name) => {
      const fault = catalog[name];
      if (!fault) throw new Error(`CHAOS_FAULTS names an unknown fault "${name}"`);
      return fault;
    });

    // A service that exits on its own during the run (a crash, a crash loop) is a finding.
    const crashes: string[] = [];
    let expectedDown = new Set<string>();
    const watch = setInterval(() => {
      for (const service of fleet.services.values()) {
        const { exitCode, signalCode } = service.process;
        if ((exitCode !== null || signalCode !== null) && !expectedDown.has(service.name)) {
          crashes.push(`${service.name} exited (${exitCode ?? signalCode}) at ${new Date().toISOString()}`);
          expectedDown.add(service.name);
        }
      }
    }, 250);

    // The largest backlog each consumer had, sampled: where the pipeline queued up.
    const naming = new Naming(tocsin.installation.prefix);
    const backlog = new Map<string, number>();
    const sampler = setInterval(() => {
      unsettledMessages(nc, naming)
        .then((busy) => {
          const sums = new Map<string, number>();
          for (const [name, n] of Object.entries(busy)) {
            const group = name.slice(naming.prefix.length + 1).replace(/-\d+$/, '');
            sums.set(group, (sums.get(group) ?? 0) + n);
          }
          for (const [group, n] of sums) backlog.set(group, Math.max(backlog.get(group) ?? 0, n));
        })
        .catch(() => undefined);
    }, 5_000);

    const runs: FaultRun[] = [];
    const accepted: Webhook[] = [];
    let sendingEndedAt = 0;
    let quietAt = 0;
    try {
      load.start();
      await sleep(SETTINGS.warmupMs);
      for (const fault of faults) {
        expectedDown = new Set(fault.expectedDown);
        const at = Date.now();
        await fault.inject();
        expectedDown = new Set();
        runs.push({ name: fault.name, at, restoredAt: Date.now() });
        await firstSettledAfter(load.webhooks, at, 900_000);
        await sleep(SETTINGS.gapMs);
      }
      await load.finish(SETTINGS.webhooks);
      sendingEndedAt = Date.now();

      // Quiescence: every accepted webhook has a final outcome, no consumer holds a message, no
      // delivery waits to be sent.
      accepted.push(...load.webhooks.filter((w) => w.hookId !== undefined));
      const ids = accepted.map((w) => w.hookId as string);
      await until('every accepted webhook has a final outcome', 300_000, async () => {
        const [row] = await sql<{ n: string }>(
          `SELECT count(*) AS n FROM normalize.inbound_messages WHERE hook_id = ANY($1) AND outcome <> 'accepted'`,
          [ids],
        );
        return Number(row?.n) === ids.length;
      });
      await until('no consumer holds a message and no delivery waits', 300_000, async () => {
        const busy = await unsettledMessages(nc, naming);
        const [row] = await sql<{ n: string }>(
          `SELECT count(*) AS n FROM notifier.deliveries WHERE status IN ('queued', 'sending', 'retrying')`,
        );
        return Object.keys(busy).length === 0 && Number(row?.n) === 0;
      });
      quietAt = Date.now();
    } finally {
      clearInterval(watch);
      clearInterval(sampler);
      load.abort();
    }
    const hookIds = accepted.map((w) => w.hookId as string);

    // 1. Every answer was a 202, a 503 or a connection error; every webhook got its 202 in the end.
    const otherAnswers = load.webhooks.flatMap((w) =>
      w.attempts.filter((a) => a.status !== 202 && a.status !== 503 && a.status !== 'connection-error'),
    );
    const gaveUp = load.webhooks.filter((w) => w.gaveUp).map((w) => `${w.id}: ${w.gaveUp}`);

    // 2. Every 202 has exactly one inbound log entry with a final outcome, and nothing else is there.
    const rows = await sql<{ hook_id: string; outcome: string; detail: string | null; settled: Date }>(
      `SELECT hook_id, outcome, detail, updated_at AS settled FROM normalize.inbound_messages WHERE integration_id = ANY($1)`,
      [integrationIds],
    );
    const byHook = new Map(rows.map((r) => [r.hook_id, r]));
    const missing = hookIds.filter((id) => !byHook.has(id));
    const notFinal = rows.filter((r) => !FINAL_OUTCOMES.includes(r.outcome));
    const accountedFor = new Set(hookIds);
    const unknown = rows.filter((r) => !accountedFor.has(r.hook_id)).map((r) => r.hook_id);
    const duplicateIds = hookIds.length - new Set(hookIds).size;

    // 3. The incidents are those of a sequential replay of the events, in stream order.
    const events = (await streamMessages(
      nc,
      naming.stream(STREAMS.events),
    )) as unknown as EventNormalizedV1[];
    const eventHooks = events.map((e) => e.hookId);
    const mismatches = await replayMismatches(db, events);

    // 4. No page was sent twice; every page that went out was received once.
    const pages = await pageAccounting(receiver, nc, naming, runs);

    const report = buildReport({
      load,
      runs,
      rows: byHook,
      events: events.length,
      pages,
      sendingEndedAt,
      quietAt,
      crashes,
      backlog,
    });
    mkdirSync(resolve(SETTINGS.report, '..'), { recursive: true });
    writeFileSync(SETTINGS.report, report);
    // Every webhook's times, for a closer look at a run: sent, accepted, settled (ms since epoch).
    writeFileSync(
      SETTINGS.report.replace(/\.md$/, '') + '.webhooks.json',
      JSON.stringify({
        runs,
        webhooks: load.webhooks.map((w) => ({
          id: w.id,
          integration: w.integration,
          key: w.key,
          action: w.action,
          sent: w.firstSentAt,
          accepted: w.acceptedAt,
          settled: w.hookId ? byHook.get(w.hookId)?.settled : undefined,
          outcome: w.hookId ? byHook.get(w.hookId)?.outcome : undefined,
          attempts: w.attempts.map((a) => a.status),
        })),
      }),
    );
    process.stdout.write(`\n${report}\n(also in ${SETTINGS.report})\n`);

    expect(crashes).toEqual([]);
    expect(otherAnswers).toEqual([]);
    expect(gaveUp).toEqual([]);
    expect(accepted.length).toBe(load.webhooks.length);
    expect(duplicateIds).toBe(0);
    expect(missing).toEqual([]);
    expect(notFinal.map((r) => `${r.hook_id}: ${r.outcome} ${r.detail ?? ''}`)).toEqual([]);
    expect(unknown).toEqual([]);
    expect(events.length).toBe(hookIds.length);
    expect(new Set(eventHooks)).toEqual(accountedFor);
    expect(mismatches).toEqual([]);
    expect(pages.problems).toEqual([]);
    expect(pages.sent).toBeGreaterThan(0);
  }, 3_600_000);

  /** Waits until a webhook first sent at or after `since` has a final outcome. */
  async function firstSettledAfter(webhooks: Webhook[], since: number, timeoutMs: number): Promise<void> {
    await until(`a webhook sent after ${new Date(since).toISOString()} settles`, timeoutMs, async () => {
      const ids = webhooks.filter((w) => w.firstSentAt >= since && w.hookId).map((w) => w.hookId as string);
      if (ids.length === 0) return false;
      const [row] = await sql<{ n: string }>(
        `SELECT count(*) AS n FROM normalize.inbound_messages WHERE hook_id = ANY($1) AND outcome <> 'accepted'`,
        [ids],
      );
      return Number(row?.n) > 0;
    });
  }
});

/** Polls `check` (whose errors count as "not yet": the database may be restarting) until true. */
async function until(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      if (await check()) return;
    } catch (error) {
      last = error instanceof Error ? error.message : JSON.stringify(error);
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting until ${what}${last ? ` (last error: ${last})` : ''}`);
    await sleep(500);
  }
}

interface PageAccounting {
  /** Incidents whose change asked for a page. */
  paging: number;
  sent: number;
  cancelled: number;
  /** Pages received more than once after a notifier was killed mid-send (documented repeat). */
  repeatsAfterKill: number;
  problems: string[];
}

/**
 * Each page delivery recorded by notifier against what the receiver got: a delivery id received
 * twice is a page sent twice, unless notifier was killed while it sent that one (the documented
 * repeat, counted apart); every sent delivery arrived; no incident got two pages; every incident
 * still open that asked for a page got exactly one.
 */
async function pageAccounting(
  receiver: HttpReceiver,
  nc: NatsConnection,
  naming: Naming,
  runs: FaultRun[],
): Promise<PageAccounting> {
  const problems: string[] = [];
  const received = new Map<string, { at: number[]; incidentId: string; type: string }>();
  for (const request of receiver.received) {
    const body = JSON.parse(request.body.toString()) as {
      deliveryId: string;
      type: string;
      incident: { id: string };
    };
    const entry = received.get(body.deliveryId) ?? { at: [], incidentId: body.incident.id, type: body.type };
    entry.at.push(Number(request.headers['x-tocsin-timestamp']) * 1000);
    received.set(body.deliveryId, entry);
  }
  const deliveries = await sql<{
    id: string;
    incident_id: string;
    notice: string;
    status: string;
    attempts: number;
    error: string | null;
  }>(`SELECT id, incident_id, notice, status, attempts, error FROM notifier.deliveries`);
  const kills = runs.filter((r) => r.name.includes('notifier'));
  let repeatsAfterKill = 0;
  for (const d of deliveries) {
    const got = received.get(d.id);
    if (d.status === 'sent' && !got) problems.push(`delivery ${d.id} is sent but never arrived`);
    if (d.status !== 'sent' && got) problems.push(`delivery ${d.id} arrived but is ${d.status}`);
    if (!['sent', 'cancelled'].includes(d.status))
      problems.push(`delivery ${d.id} ended ${d.status}: ${d.error ?? ''}`);
    if (got && got.at.length > 1) {
      const first = Math.min(...got.at);
      const duringKill = kills.some((k) => first >= k.at - 2_000 && first <= k.at + 1_000);
      if (duringKill && d.attempts > 1) repeatsAfterKill += 1;
      else problems.push(`delivery ${d.id} arrived ${got.at.length} times`);
    }
  }
  const known = new Set(deliveries.map((d) => d.id));
  for (const id of received.keys())
    if (!known.has(id)) problems.push(`page ${id} arrived but was never recorded`);

  const pagesByIncident = new Map<string, number>();
  for (const d of deliveries.filter((x) => x.notice === 'page'))
    pagesByIncident.set(d.incident_id, (pagesByIncident.get(d.incident_id) ?? 0) + 1);
  for (const [incident, count] of pagesByIncident)
    if (count > 1) problems.push(`incident ${incident} has ${count} page deliveries`);

  // The incidents whose change asked for a page, and those still open at the end.
  const changes = await streamMessages(nc, naming.stream(STREAMS.incidents));
  const paging = new Set(
    changes.filter((c) => c['page'] === true).map((c) => String((c['incident'] as { id: string }).id)),
  );
  const open = await sql<{ id: string }>(
    `SELECT id FROM incident_state.incidents WHERE status <> 'resolved'`,
  );
  for (const { id } of open) {
    if (!paging.has(id)) continue;
    const page = deliveries.find((d) => d.incident_id === id && d.notice === 'page');
    if (!page || page.status !== 'sent') problems.push(`open incident ${id} asked for a page and got none`);
  }
  return {
    paging: paging.size,
    sent: deliveries.filter((d) => d.status === 'sent').length,
    cancelled: deliveries.filter((d) => d.status === 'cancelled').length,
    repeatsAfterKill,
    problems: problems.slice(0, 50),
  };
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function buildReport(input: {
  load: LoadGenerator;
  runs: FaultRun[];
  rows: Map<string, { outcome: string; settled: Date }>;
  events: number;
  pages: PageAccounting;
  sendingEndedAt: number;
  quietAt: number;
  crashes: string[];
  backlog: Map<string, number>;
}): string {
  const { load, runs, rows } = input;
  const settledAt = (w: Webhook): number | undefined => {
    const row = w.hookId ? rows.get(w.hookId) : undefined;
    return row ? new Date(row.settled).getTime() : undefined;
  };
  const latency = (ws: Webhook[]): number[] =>
    ws
      .map((w) => (settledAt(w) ?? NaN) - (w.acceptedAt ?? NaN))
      .filter((x) => Number.isFinite(x))
      .sort((a, b) => a - b);
  const pct = (xs: number[], p: number): number =>
    xs[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? NaN;
  // Webhooks sent within 5 s of the first fault may be caught by it.
  const baseline = latency(
    load.webhooks.filter((w) => runs.length === 0 || w.firstSentAt < (runs[0]?.at ?? 0) - 5_000),
  );
  const settles = load.webhooks
    .map(settledAt)
    .filter((t): t is number => t !== undefined)
    .sort((a, b) => a - b);
  const lines: string[] = [];
  const attempts = load.webhooks.flatMap((w) => w.attempts);
  const count = (s: number | string): number => attempts.filter((a) => a.status === s).length;
  lines.push(`## Fault run ${new Date().toISOString()}`);
  lines.push('');
  lines.push(
    `${load.webhooks.length} webhooks at ${SETTINGS.rate}/s to ${SETTINGS.integrations} integrations × ${SETTINGS.keys} keys; ` +
      `${attempts.length} requests: ${count(202)} × 202, ${count(503)} × 503, ` +
      `${count('connection-error')} connection errors; ${input.events} events; ` +
      `pages: ${input.pages.paging} incidents asked, ${input.pages.sent} sent, ${input.pages.cancelled} cancelled, ` +
      `${input.pages.repeatsAfterKill} repeated after a kill mid-send. ` +
      `Latency 202 → final outcome before the faults: p50 ${seconds(pct(baseline, 0.5))}, p99 ${seconds(pct(baseline, 0.99))}. ` +
      `Quiet ${seconds(input.quietAt - input.sendingEndedAt)} after the last webhook was sent.`,
  );
  lines.push('');
  lines.push(
    '| fault | down | refused (503 / conn. error) | longest stop in settling (ended after) | first webhook sent after it settled | all accepted by the repair settled | p99 202 → outcome, 30 s after |',
  );
  lines.push('|---|---|---|---|---|---|---|');
  runs.forEach((run, i) => {
    const next = runs[i + 1]?.at ?? Infinity;
    const window = load.webhooks.flatMap((w) => w.attempts).filter((a) => a.at >= run.at && a.at < next);
    const refused503 = window.filter((a) => a.status === 503).length;
    const refusedConn = window.filter((a) => a.status === 'connection-error').length;
    const firstNew = Math.min(
      ...load.webhooks.filter((w) => w.firstSentAt >= run.at).map((w) => settledAt(w) ?? Infinity),
    );
    const upToRepair = load.webhooks.filter((w) => (w.acceptedAt ?? Infinity) <= run.restoredAt);
    const allSettled = Math.max(...upToRepair.map((w) => settledAt(w) ?? -Infinity));
    // The longest time without any webhook settling, from the fault to a minute after the repair
    // (or the next fault).
    let stop = { length: 0, end: run.at };
    let previous = run.at;
    for (const t of settles) {
      if (t <= run.at) continue;
      if (t > Math.min(run.restoredAt + 60_000, next)) break;
      if (t - previous > stop.length) stop = { length: t - previous, end: t };
      previous = t;
    }
    const after = latency(
      load.webhooks.filter((w) => w.firstSentAt >= run.at && w.firstSentAt < run.at + 30_000),
    );
    lines.push(
      `| ${run.name} | ${seconds(run.restoredAt - run.at)} | ${refused503} / ${refusedConn} | ` +
        `${seconds(stop.length)} (${seconds(stop.end - run.at)}) | ` +
        `${seconds(firstNew - run.at)} | ${seconds(allSettled - run.at)} | ${seconds(pct(after, 0.99))} |`,
    );
  });
  lines.push(
    '',
    `Largest backlog (waiting + in flight, sampled every 5 s): ${
      [...input.backlog].map(([group, n]) => `${group} ${n}`).join(', ') || 'none'
    }.`,
  );
  if (input.crashes.length > 0) lines.push('', `Crashes: ${input.crashes.join('; ')}`);
  return lines.join('\n');
}
