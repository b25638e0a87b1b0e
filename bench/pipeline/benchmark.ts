import { outcomesCarried, SUBJECT_FILTERS, type StreamKey } from '@tocsin/contracts';
import { Agent, request } from 'node:http';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import type { BenchContext } from '../incident-state-apply/benchmark';
import { UNLIMITED_RATES, verdict } from '../ingest/benchmark';
import { webhookBody } from '../lib/alerts';
import { fmtFixed, fmtInt, fmtMs, progress, table } from '../lib/format';
import { BenchInstallation } from '../lib/installation';
import { createIntegration, waitAccepted } from '../lib/integration';
import { busyShare, findProcesses, ProcessGroupCpu, sampleCpu } from '../lib/machine';
import { MemorySampler } from '../lib/memory';
import { intListOption, intOption, stringOption } from '../lib/options';
import { ReplicaSet } from '../lib/replicas';
import { distribution, type Distribution } from '../lib/stats';

/*
 * pipeline: every service running (one process each by default), webhooks posted to ingest by an
 * open-loop generator (request i is sent at i / rate seconds, whether or not earlier ones were
 * answered), and for each webhook the time until
 * - its incident change is committed: incident-state publishes the webhook's outcome (in a
 *   `hook.outcomes` message with the others of its transaction and integration) after the
 *   transaction that opened or appended the incident committed; the bench subscribes to
 *   `hooks.outcome.>` and timestamps the arrival;
 * - its inbound-log entry has its outcome: normalize records the outcome in the inbound log
 *   (`inbound_messages.updated_at`, read from PostgreSQL after the phase).
 * Phases: fixed offered loads (500 and 1,000 webhooks/s by default), then a ramp of offered rates
 * until the pipeline falls behind, for the saturation rate. Each consumer's own rate comes from
 * its durable consumers' progress on the server (messages acknowledged per second).
 */

const APPS = ['ingest', 'normalize', 'incident-state', 'deploy-tracker', 'notifier', 'api'] as const;
type App = (typeof APPS)[number];
const PORT_SETTING: Record<App, string> = {
  ingest: 'INGEST_PORT',
  normalize: 'NORMALIZE_PORT',
  'incident-state': 'INCIDENT_STATE_PORT',
  'deploy-tracker': 'DEPLOY_TRACKER_PORT',
  notifier: 'NOTIFIER_PORT',
  api: 'API_PORT',
};

export interface PipelineOptions {
  rates: number[];
  seconds: number;
  warmupSeconds: number;
  ramp: number[];
  stepSeconds: number;
  keys: number;
  /** Integrations the webhooks are spread over, round-robin (normalize handles each one's hooks in order). */
  integrations: number;
  replicas: number;
  /** Seconds to wait for the outcomes of a phase's last webhooks (and for a backlog to drain). */
  drainSeconds: number;
}

function readOptions(): PipelineOptions {
  return {
    rates: intListOption('BENCH_PIPELINE_RATES', [500, 1_000], 1, 100_000),
    seconds: intOption('BENCH_PIPELINE_SECONDS', 20, 1, 3_600),
    warmupSeconds: intOption('BENCH_PIPELINE_WARMUP_SECONDS', 3, 0, 600),
    ramp: intListOption('BENCH_PIPELINE_RAMP', [50, 100, 250, 500, 1_000, 2_000, 3_000, 4_000], 1, 100_000),
    stepSeconds: intOption('BENCH_PIPELINE_STEP_SECONDS', 10, 2, 600),
    keys: intOption('BENCH_PIPELINE_KEYS', 1_000, 1, 1_000_000),
    integrations: intOption('BENCH_PIPELINE_INTEGRATIONS', 10, 1, 1_000),
    replicas: intOption('BENCH_PIPELINE_REPLICAS', 1, 1, 8),
    drainSeconds: intOption('BENCH_PIPELINE_DRAIN_SECONDS', 60, 5, 3_600),
  };
}

/** Messages acknowledged per second by each consumer group, and what waited at the end. */
export interface ConsumerRates {
  /** normalize taking hooks (hooks.received → inbound log, events.normalized). */
  normalize: number;
  incidentState: number;
  /** normalize taking outcomes (hooks.outcome → the inbound log's outcome). */
  normalizeOutcomes: number;
  normalizeBacklog: number;
  incidentStateBacklog: number;
  normalizeOutcomesBacklog: number;
}

export interface LoadPhase {
  name: string;
  /** Messages still queued for normalize or incident-state when the phase began (after waiting for them). */
  backlogAtStart: number;
  offeredPerSecond: number;
  seconds: number;
  sent: number;
  accepted: number;
  refused: number;
  /** Webhooks accepted per second (202), over the phase. */
  acceptedPerSecond: number;
  /** Outcomes (incident committed) arrived per second during the phase. */
  committedPerSecond: number;
  consumers: ConsumerRates;
  /** POST → 202, for the measured webhooks. */
  acceptMs: Distribution;
  /** POST → hook.outcome received (incident committed), for the measured webhooks. */
  committedMs: Distribution;
  /** POST → inbound-log outcome recorded (normalize's transaction time), for the measured webhooks. */
  inboundMs: Distribution | null;
  /** Measured webhooks whose outcome did not arrive within the drain time. */
  missing: number;
  /** Peak resident MiB per service. */
  rssMiB: Record<string, number>;
  /**
   * CPU (user + system) per webhook committed during the phase, ms: each service's processes,
   * the PostgreSQL backends of the run's database, and nats-server (all its clients).
   */
  cpuMsPerWebhook: Record<string, number>;
  machineBusy: number;
}

export interface PipelineReport {
  options: PipelineOptions;
  phases: LoadPhase[];
  /** The highest completion rate of any phase, and the offered rate the ramp fell behind at. */
  saturation: { sustainedPerSecond: number; fellBehindAt: number | null };
}

/** Sends webhooks at a steady rate over kept-alive connections; records send, answer and outcome times. */
class Generator {
  readonly agent = new Agent({ keepAlive: true, maxSockets: 1_024 });
  /** hookId → index of the request; sent/answered times (performance.now()) by index. */
  readonly byHook = new Map<string, number>();
  readonly sentAt: number[] = [];
  readonly answeredAt: number[] = [];
  readonly sentEpochMs: number[] = [];
  readonly outcomeAt = new Map<string, number>();
  accepted = 0;
  refused = 0;
  private next = 0;

  constructor(
    private readonly urls: URL[],
    private readonly keys: number,
  ) {}

  /** Called for each hook.outcome arriving. */
  outcome(hookId: string): void {
    if (!this.outcomeAt.has(hookId)) this.outcomeAt.set(hookId, performance.now());
  }

  /** Sends at `rate`/s for `seconds`; resolves when every request was answered. Returns the index range. */
  async run(rate: number, seconds: number, signal: AbortSignal): Promise<{ from: number; to: number }> {
    const from = this.next;
    const count = Math.round(rate * seconds);
    const started = performance.now();
    const pending = new Set<Promise<void>>();
    let sent = 0;
    while (sent < count) {
      if (signal.aborted) throw new Error('interrupted');
      const due = Math.min(count, Math.floor(((performance.now() - started) * rate) / 1000) + 1);
      while (sent < due) {
        const p = this.send(this.next);
        this.next += 1;
        sent += 1;
        pending.add(p);
        void p.finally(() => pending.delete(p));
      }
      const wait = (sent * 1000) / rate - (performance.now() - started);
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    await Promise.all(pending);
    return { from, to: this.next };
  }

  private send(i: number): Promise<void> {
    const body = webhookBody(i % this.keys, 1);
    return new Promise<void>((resolve) => {
      this.sentAt[i] = performance.now();
      this.sentEpochMs[i] = Date.now();
      const req = request(
        this.urls[i % this.urls.length],
        {
          method: 'POST',
          agent: this.agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            this.answeredAt[i] = performance.now();
            if (res.statusCode === 202) {
              this.accepted += 1;
              const id = (JSON.parse(Buffer.concat(chunks).toString()) as { id: string }).id;
              this.byHook.set(id, i);
            } else {
              this.refused += 1;
            }
            resolve();
          });
        },
      );
      req.on('error', () => {
        this.refused += 1;
        resolve();
      });
      req.end(body);
    });
  }
}

async function consumerProgress(
  installation: BenchInstallation,
  stream: StreamKey,
  durablePrefix: string,
): Promise<{ done: number; backlog: number }> {
  const name = installation.streamName(stream);
  const info = await installation.jsm.streams.info(name);
  let waiting = 0;
  for await (const c of installation.jsm.consumers.list(name)) {
    if (!c.name.startsWith(`${installation.prefix}-${durablePrefix}`)) continue;
    waiting += c.num_pending + c.num_ack_pending;
  }
  return { done: info.state.messages - waiting, backlog: waiting };
}

async function progressOf(installation: BenchInstallation): Promise<{
  normalize: { done: number; backlog: number };
  incidentState: { done: number; backlog: number };
  outcomes: { done: number; backlog: number };
}> {
  return {
    normalize: await consumerProgress(installation, 'hooks', 'normalize-hooks'),
    incidentState: await consumerProgress(installation, 'events', 'incident-state-events'),
    outcomes: await consumerProgress(installation, 'outcomes', 'normalize-outcomes'),
  };
}

async function totalBacklog(installation: BenchInstallation): Promise<number> {
  const p = await progressOf(installation);
  return p.normalize.backlog + p.incidentState.backlog + p.outcomes.backlog;
}

export async function runPipeline(ctx: BenchContext): Promise<PipelineReport> {
  const options = readOptions();
  const installation = await BenchInstallation.create(ctx.backbone);
  const logDir = join(ctx.root, 'tmp/bench/logs', installation.prefix);
  const env = {
    NATS_URL: ctx.backbone.natsUrl,
    DATABASE_URL: installation.databaseUrl,
    TOCSIN_PREFIX: installation.prefix,
    TOCSIN_ADMIN_KEY: `bench-${installation.prefix}-admin-key-0123456789abcdef`,
    NOTIFIER_THROTTLES: 'off',
    ...UNLIMITED_RATES,
  };
  const nodeArgs = stringOption('BENCH_SERVICE_NODE_ARGS', '').split(/\s+/).filter(Boolean);
  const sets = Object.fromEntries(
    APPS.map((app) => [
      app,
      new ReplicaSet(ctx.root, ctx.dist, app, PORT_SETTING[app], env, logDir, nodeArgs),
    ]),
  ) as Record<App, ReplicaSet>;
  let succeeded = false;
  const subscription = installation.nc.subscribe(installation.naming.subject(SUBJECT_FILTERS.hooksOutcome));
  try {
    progress(`starting ${APPS.join(', ')} (${options.replicas} process(es) each)`);
    // normalize and incident-state first: they create the streams' consumers and the schemas.
    await Promise.all([
      sets.normalize.start(options.replicas),
      sets['incident-state'].start(options.replicas),
    ]);
    await Promise.all(
      (['ingest', 'deploy-tracker', 'notifier', 'api'] as const).map((app) =>
        sets[app].start(options.replicas),
      ),
    );
    const urls: URL[] = [];
    for (let n = 0; n < options.integrations; n += 1) {
      const integration = await createIntegration(installation, `bench pipeline ${n}`, 'alertmanager');
      // Round-robin over the ingest processes too.
      const port = sets.ingest.replicas[n % sets.ingest.replicas.length].port;
      urls.push(new URL(`http://127.0.0.1:${port}/hooks/${integration.token}`));
    }
    for (const url of urls) await waitAccepted(url.toString(), webhookBody(0, 1));
    const generator = new Generator(urls, options.keys);
    void (async () => {
      for await (const m of subscription) {
        for (const { hookId } of outcomesCarried(m.json())) generator.outcome(hookId);
      }
    })();
    const rss = (): MemorySampler =>
      new MemorySampler(() => Object.fromEntries(APPS.map((app) => [app, sets[app].pids()])));

    const phases: LoadPhase[] = [];
    const runPhase = async (
      name: string,
      rate: number,
      seconds: number,
      warmup: number,
    ): Promise<LoadPhase> => {
      for (const app of APPS) sets[app].assertAllRunning();
      // What an earlier phase left queued drains first (up to the drain time); what remains is reported.
      const drainUntil = performance.now() + options.drainSeconds * 1000;
      let backlogAtStart = await totalBacklog(installation);
      while (backlogAtStart > 0 && performance.now() < drainUntil) {
        if (ctx.signal.aborted) throw new Error('interrupted');
        await new Promise((resolve) => setTimeout(resolve, 500));
        backlogAtStart = await totalBacklog(installation);
      }
      if (warmup > 0) await generator.run(rate, warmup, ctx.signal);
      const memory = rss();
      memory.start();
      const before = await progressOf(installation);
      const outcomesBefore = generator.outcomeAt.size;
      const acceptedBefore = generator.accepted;
      const refusedBefore = generator.refused;
      const machineBefore = sampleCpu();
      const databaseName = new URL(installation.databaseUrl).pathname.slice(1);
      const postgresCpu = new ProcessGroupCpu(() => findProcesses('postgres: ', ` ${databaseName} `));
      const natsCpu = new ProcessGroupCpu(() => findProcesses('nats-server'));
      postgresCpu.start();
      natsCpu.start();
      const cpuBefore = Object.fromEntries(APPS.map((app) => [app, sets[app].cpuSeconds()]));
      const t0 = performance.now();
      const range = await generator.run(rate, seconds, ctx.signal);
      const elapsed = (performance.now() - t0) / 1000;
      const after = await progressOf(installation);
      const committedPerSecond = (generator.outcomeAt.size - outcomesBefore) / elapsed;
      const committedCount = generator.outcomeAt.size - outcomesBefore;
      const perWebhook = (seconds: number): number =>
        committedCount > 0 ? (seconds * 1000) / committedCount : Number.NaN;
      const cpuMsPerWebhook: Record<string, number> = {
        ...Object.fromEntries(APPS.map((app) => [app, perWebhook(sets[app].cpuSeconds() - cpuBefore[app])])),
        postgres: perWebhook(postgresCpu.elapsed()),
        nats: perWebhook(natsCpu.elapsed()),
      };
      const machineBusy = busyShare(machineBefore, sampleCpu());
      const peaks = memory.stop();
      // The measured webhooks' outcomes: wait for the rest (a backlog drains here).
      const ids: string[] = [];
      for (const [id, i] of generator.byHook) if (i >= range.from && i < range.to) ids.push(id);
      const deadline = performance.now() + options.drainSeconds * 1000;
      while (ids.some((id) => !generator.outcomeAt.has(id)) && performance.now() < deadline) {
        if (ctx.signal.aborted) throw new Error('interrupted');
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      const committed: number[] = [];
      const accept: number[] = [];
      for (let i = range.from; i < range.to; i += 1)
        accept.push(generator.answeredAt[i] - generator.sentAt[i]);
      for (const id of ids) {
        const at = generator.outcomeAt.get(id);
        const i = generator.byHook.get(id) as number;
        if (at !== undefined) committed.push(at - generator.sentAt[i]);
      }
      const inbound = await inboundLatencies(installation, generator, ids);
      const phase: LoadPhase = {
        name,
        backlogAtStart,
        offeredPerSecond: rate,
        seconds: elapsed,
        sent: range.to - range.from,
        accepted: generator.accepted - acceptedBefore,
        refused: generator.refused - refusedBefore,
        acceptedPerSecond: (generator.accepted - acceptedBefore) / elapsed,
        committedPerSecond,
        consumers: {
          normalize: (after.normalize.done - before.normalize.done) / elapsed,
          incidentState: (after.incidentState.done - before.incidentState.done) / elapsed,
          normalizeOutcomes: (after.outcomes.done - before.outcomes.done) / elapsed,
          normalizeBacklog: after.normalize.backlog,
          incidentStateBacklog: after.incidentState.backlog,
          normalizeOutcomesBacklog: after.outcomes.backlog,
        },
        acceptMs: distribution(accept),
        committedMs: distribution(committed),
        inboundMs: inbound.length > 0 ? distribution(inbound) : null,
        missing: ids.length - committed.length,
        rssMiB: Object.fromEntries(Object.entries(peaks).map(([app, v]) => [app, v.peakMiB])),
        cpuMsPerWebhook,
        machineBusy,
      };
      progress(
        `  ${name}: offered ${fmtInt(rate)}/s, accepted ${fmtInt(phase.acceptedPerSecond)}/s, committed ${fmtInt(committedPerSecond)}/s ` +
          `(normalize ${fmtInt(phase.consumers.normalize)}/s, incident-state ${fmtInt(phase.consumers.incidentState)}/s, ` +
          `backlogs ${fmtInt(phase.consumers.normalizeBacklog)} / ${fmtInt(phase.consumers.incidentStateBacklog)}); ` +
          `→ incident p50 ${fmtMs(phase.committedMs.p50)} ms p99 ${fmtMs(phase.committedMs.p99)} ms; missing ${phase.missing}`,
      );
      return phase;
    };

    // The ramp first, on an empty pipeline: it stops one step past the saturation point.
    let sustained = 0;
    let fellBehindAt: number | null = null;
    for (const rate of options.ramp) {
      progress(`ramp: ${fmtInt(rate)} webhooks/s for ${options.stepSeconds} s`);
      const phase = await runPhase(`ramp ${fmtInt(rate)}/s`, rate, options.stepSeconds, 0);
      phases.push(phase);
      sustained = Math.max(sustained, phase.committedPerSecond);
      // Behind: fewer completions than offers by more than 10 %, or some not done within the drain time.
      if (phase.committedPerSecond < rate * 0.9 || phase.missing > 0) {
        fellBehindAt = rate;
        break;
      }
    }
    for (const rate of options.rates) {
      progress(
        `fixed load: ${fmtInt(rate)} webhooks/s for ${options.seconds} s after ${options.warmupSeconds} s of warm-up`,
      );
      phases.push(await runPhase(`${fmtInt(rate)}/s`, rate, options.seconds, options.warmupSeconds));
    }
    // A fixed load beyond the saturation point shows the rate the pipeline keeps with a backlog to
    // work from (it batches more then): the highest completion rate of any phase is the sustained rate.
    for (const phase of phases) sustained = Math.max(sustained, phase.committedPerSecond);
    succeeded = true;
    return { options, phases, saturation: { sustainedPerSecond: sustained, fellBehindAt } };
  } finally {
    subscription.unsubscribe();
    await Promise.all(APPS.map((app) => sets[app].stop().catch(() => undefined)));
    await installation.cleanup();
    if (succeeded) rmSync(logDir, { recursive: true, force: true });
    else progress(`logs kept in ${logDir}`);
  }
}

/** POST → inbound-log outcome (normalize's `updated_at`, PostgreSQL's clock on this machine). */
async function inboundLatencies(
  installation: BenchInstallation,
  generator: Generator,
  ids: string[],
): Promise<number[]> {
  const pg = new Client({ connectionString: installation.databaseUrl });
  await pg.connect();
  try {
    const { rows } = await pg.query<{ hook_id: string; at: string }>(
      `SELECT hook_id, extract(epoch from updated_at) * 1000 AS at
         FROM normalize.inbound_messages WHERE hook_id = ANY($1) AND outcome <> 'accepted'`,
      [ids],
    );
    return rows.map((r) => Number(r.at) - generator.sentEpochMs[generator.byHook.get(r.hook_id) as number]);
  } finally {
    await pg.end();
  }
}

const TARGETS = { sustained: 3_000, p99At1000: 200, rssMiB: 200 };

export function renderPipelineReport(report: PipelineReport): string {
  const { options, phases, saturation } = report;
  const rows: string[][] = [
    [
      'phase',
      'queued at start',
      'offered/s',
      'accepted/s',
      'committed/s',
      'normalize/s',
      'incident-state/s',
      'outcomes/s',
      'backlogs',
      '→202 p99',
      '→incident p50',
      'p99',
      '→inbound p50',
      'p99',
      'missing',
    ],
    ...phases.map((p) => [
      p.name,
      fmtInt(p.backlogAtStart),
      fmtInt(p.offeredPerSecond),
      fmtInt(p.acceptedPerSecond),
      fmtInt(p.committedPerSecond),
      fmtInt(p.consumers.normalize),
      fmtInt(p.consumers.incidentState),
      fmtInt(p.consumers.normalizeOutcomes),
      `${fmtInt(p.consumers.normalizeBacklog)}/${fmtInt(p.consumers.incidentStateBacklog)}/${fmtInt(p.consumers.normalizeOutcomesBacklog)}`,
      fmtMs(p.acceptMs.p99),
      fmtMs(p.committedMs.p50),
      fmtMs(p.committedMs.p99),
      fmtMs(p.inboundMs?.p50 ?? Number.NaN),
      fmtMs(p.inboundMs?.p99 ?? Number.NaN),
      fmtInt(p.missing),
    ]),
  ];
  const memRows: string[][] = [
    ['peak RSS MiB', ...APPS],
    ...phases.map((p) => [p.name, ...APPS.map((app) => fmtInt(p.rssMiB[app] ?? Number.NaN))]),
  ];
  const cpuColumns = [...APPS, 'postgres', 'nats'];
  const cpuRows: string[][] = [
    ['CPU ms per webhook committed', ...cpuColumns],
    ...phases.map((p) => [p.name, ...cpuColumns.map((c) => fmtFixed(p.cpuMsPerWebhook[c] ?? Number.NaN, 2))]),
  ];
  const at1000 = phases.find((p) => p.offeredPerSecond === 1_000 && !p.name.startsWith('ramp'));
  const peakRss = Math.max(...phases.flatMap((p) => Object.values(p.rssMiB)));
  const biggest = APPS.map((app) => [app, Math.max(...phases.map((p) => p.rssMiB[app] ?? 0))] as const).sort(
    (a, b) => b[1] - a[1],
  )[0];
  return [
    `all six services, ${options.replicas} process(es) each; ${options.integrations} Alertmanager integration(s) (template alertmanager) taking the ` +
      `webhooks in turn, each webhook one firing alert, ${fmtInt(options.keys)} alert keys in all. First a ramp of ${options.stepSeconds} s steps ` +
      `(${options.ramp.map(fmtInt).join(', ')}/s) until completions fall 10 % behind the offered rate, then fixed loads of ` +
      `${options.rates.map(fmtInt).join(' and ')}/s for ${options.seconds} s (after ${options.warmupSeconds} s of warm-up). Before each phase the ` +
      `bench waits up to ${options.drainSeconds} s for what is queued to drain ("queued at start": what was left). ` +
      'Latencies from the POST being sent; consumer rates: normalize taking hooks, ' +
      'incident-state taking events, normalize taking outcomes; backlogs: messages waiting for each of those at the end of the phase.',
    '',
    table(rows),
    '',
    table(memRows),
    '',
    table(cpuRows),
    '',
    'targets:',
    `  sustained pipeline rate (the highest completion rate of any phase) ${fmtInt(saturation.sustainedPerSecond)}/s${saturation.fellBehindAt ? ` (fell behind at ${fmtInt(saturation.fellBehindAt)}/s offered)` : ' (never fell behind)'} ` +
      `vs ≥ ${fmtInt(TARGETS.sustained)}: ${verdict(saturation.sustainedPerSecond, TARGETS.sustained, true)}`,
    at1000
      ? `  webhook → incident p99 at 1,000/s: ${fmtMs(at1000.committedMs.p99)} ms vs < ${TARGETS.p99At1000} ms: ${verdict(at1000.committedMs.p99, TARGETS.p99At1000, false)}` +
        (at1000.committedPerSecond < 900
          ? ' (the pipeline could not keep up: the latency is time queued)'
          : '')
      : '  webhook → incident p99 at 1,000/s: not run',
    `  resident memory: highest ${fmtInt(peakRss)} MiB (${biggest?.[0]}) vs < ${TARGETS.rssMiB} MiB per service: ${verdict(peakRss, TARGETS.rssMiB, false)}`,
  ].join('\n');
}
