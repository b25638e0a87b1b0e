import type { JsMsg } from '@nats-io/jetstream';
import { HEADERS, outcomesCarried } from '@tocsin/contracts';
import { JetStreamPublisher } from '@tocsin/messaging';
import { rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fmtFixed, fmtInt, fmtMs, progress, table } from '../lib/format';
import { BenchInstallation, type BackboneSettings, type DatabaseActivity } from '../lib/installation';
import { busyShare, findProcesses, ProcessGroupCpu, sampleCpu } from '../lib/machine';
import { choiceListOption, intListOption, intOption, stringOption } from '../lib/options';
import { publishAll, publishAtRate, type PublishReport } from '../lib/publish';
import { ReplicaSet } from '../lib/replicas';
import { distribution, median, type Distribution } from '../lib/stats';
import { OutcomeCounter } from '../lib/outcomes';
import { readStream, streamTimeMs } from '../lib/stream-reader';
import { NormalizeStub } from './normalize-stub';
import { buildWorkload, EVENT_TYPE, outgoing, type Workload } from './workload';

/*
 * incident-state apply throughput and latency.
 *
 * Each run is a fresh installation (prefix and database) with real incident-state processes from
 * the build. Two phases:
 * - throughput: the whole workload is published first; then the processes start and apply the
 *   backlog. Figure: events applied per second between the first and the last outcome.
 * - latency: the processes run; events are published at a steady rate below capacity. Figure: the
 *   time from the event's stream timestamp to the stream timestamp of the message carrying its
 *   outcome, which incident-state publishes after the event's transaction committed. Both timestamps come from
 *   the NATS server's clock.
 * Configurations (replica counts) alternate within each round, so that drift on a shared machine
 * falls on all of them alike; the summary takes the median over rounds.
 */

export const PHASES = ['throughput', 'latency'] as const;
export type Phase = (typeof PHASES)[number];

export interface ApplyOptions {
  events: number;
  keys: number;
  integrations: number;
  rounds: number;
  replicas: number[];
  phases: Phase[];
  /** Latency phase: events per second, seconds measured, seconds of warm-up left out. */
  rate: number;
  latencySeconds: number;
  warmupSeconds: number;
  /** Throughput phase: publishes awaiting their acknowledgement at once. */
  inFlight: number;
  seed: number;
  /** A run fails when no outcome arrives for this long. */
  stallSeconds: number;
  /** Node options for the incident-state processes only (for example `--cpu-prof`). */
  serviceNodeArgs: string[];
}

export function readApplyOptions(): ApplyOptions {
  const events = intOption('BENCH_EVENTS', 100_000, 1, 10_000_000);
  const keys = intOption('BENCH_KEYS', Math.min(1_000, events), 1, events);
  return {
    events,
    keys,
    integrations: Math.min(keys, intOption('BENCH_INTEGRATIONS', 10, 1, 10_000)),
    rounds: intOption('BENCH_ROUNDS', 3, 1, 100),
    replicas: intListOption('BENCH_REPLICAS', [1, 2], 1, 16),
    phases: choiceListOption('BENCH_PHASES', PHASES, [...PHASES]),
    rate: intOption('BENCH_RATE', 1_000, 1, 1_000_000),
    latencySeconds: intOption('BENCH_LATENCY_SECONDS', 20, 1, 3_600),
    warmupSeconds: intOption('BENCH_WARMUP_SECONDS', 2, 0, 600),
    inFlight: intOption('BENCH_IN_FLIGHT', 256, 1, 65_536),
    seed: intOption('BENCH_SEED', 1, 0, 2 ** 31),
    stallSeconds: intOption('BENCH_STALL_SECONDS', 120, 5, 3_600),
    serviceNodeArgs: stringOption('BENCH_SERVICE_NODE_ARGS', '').split(/\s+/).filter(Boolean),
  };
}

export interface RunResult {
  phase: Phase;
  replicas: number;
  round: number;
  prefix: string;
  events: number;
  publish: PublishReport;
  /** From spawning the processes until every one answered /readyz. */
  startupMs: number;
  /** Stream time of the first and the last outcome (ms since the epoch). */
  firstOutcomeAt: number;
  lastOutcomeAt: number;
  /** Events applied per second between the first and the last outcome. */
  appliedPerSecond: number;
  /** Latency phase: event stored → outcome stored, in ms, for the events after the warm-up. */
  latencyMs: Distribution | null;
  outcomes: Record<string, number>;
  deadLetters: number;
  /** Keys whose outcomes were published in another order than their events. */
  keysOutOfOrder: number;
  /**
   * Latency phase: the processes applied fewer events per second than were published (by more
   * than 5 %), so a backlog built up and the latency includes the time queued behind it.
   */
  saturated: boolean;
  /** CPU seconds of the incident-state processes per applied event, in ms. */
  cpuMsPerEvent: number;
  /** Likewise for the PostgreSQL backends serving the run's database (not the server's background work). */
  postgresCpuMsPerEvent: number;
  /** Likewise for nats-server (everything it did meanwhile, for any client). */
  natsCpuMsPerEvent: number;
  /** Share of all cores' time that was busy while the events were applied (every process counts). */
  machineBusy: number;
  /** The machine's one-minute load average when the run began. */
  loadAverage: number;
  /** Mean time from delivery to settlement of an event in incident-state (its transport's histogram). */
  handlerMs: number;
  /** Events being handled at once, on average over the apply (handler time ÷ apply time). */
  handlersBusy: number;
  /** Deliveries settled otherwise than by an ack (nak for a retry, dead letter). */
  retries: number;
  /**
   * PostgreSQL work per event while the events were applied: transactions committed and rolled
   * back, rows inserted, updated, deleted, and fetched by index (pg_stat_database; approximate).
   */
  databasePerEvent: DatabaseActivity;
}

export interface ApplySummaryRow {
  phase: Phase;
  replicas: number;
  rounds: number;
  appliedPerSecond: number;
  latencyP50Ms: number;
  latencyP90Ms: number;
  latencyP99Ms: number;
  /** This configuration's median throughput over the first configuration's. */
  ratio: number;
}

export interface ApplyReport {
  options: ApplyOptions;
  workload: Record<Phase, { events: number; actions: Record<string, number> } | null>;
  runs: RunResult[];
  summary: ApplySummaryRow[];
}

export interface BenchContext {
  /** The workspace (logs go to its tmp/). */
  root: string;
  /** The compiled apps and libraries the services are started from. */
  dist: string;
  backbone: BackboneSettings;
  signal: AbortSignal;
}

/** The one-line description of each phase's workload, for the table and the docs. */
function phaseTitle(phase: Phase, o: ApplyOptions): string {
  return phase === 'throughput'
    ? `throughput from a backlog: ${fmtInt(o.events)} events over ${fmtInt(o.keys)} keys, published before the processes start`
    : `latency at a steady ${fmtInt(o.rate)} events/s for ${o.latencySeconds} s (after ${o.warmupSeconds} s of warm-up), processes running`;
}

export async function runIncidentStateApply(ctx: BenchContext): Promise<ApplyReport> {
  const options = readApplyOptions();
  const workloads: Partial<Record<Phase, Workload>> = {};
  for (const phase of options.phases) {
    const count =
      phase === 'throughput'
        ? options.events
        : options.rate * (options.latencySeconds + options.warmupSeconds);
    workloads[phase] = buildWorkload(
      count,
      Math.min(options.keys, count),
      options.integrations,
      options.seed,
    );
  }
  const runs: RunResult[] = [];
  for (let round = 1; round <= options.rounds; round += 1) {
    for (const phase of options.phases) {
      for (const replicas of options.replicas) {
        progress(`round ${round}/${options.rounds}: ${phase}, ${replicas} replica(s)`);
        const result = await runOnce(ctx, options, phase, replicas, round, workloads[phase] as Workload);
        runs.push(result);
        progress(
          `  ${fmtInt(result.appliedPerSecond)} events/s` +
            (result.latencyMs
              ? `, latency p50 ${fmtMs(result.latencyMs.p50)} ms, p99 ${fmtMs(result.latencyMs.p99)} ms`
              : '') +
            `; CPU ms/event: service ${fmtFixed(result.cpuMsPerEvent, 2)}, postgres ` +
            `${fmtFixed(result.postgresCpuMsPerEvent, 2)}, nats ${fmtFixed(result.natsCpuMsPerEvent, 2)}; ` +
            `machine ${fmtInt(result.machineBusy * 100)}% busy`,
        );
      }
    }
  }
  const workload = (phase: Phase): { events: number; actions: Record<string, number> } | null => {
    const w = workloads[phase];
    return w ? { events: w.events.length, actions: w.actions } : null;
  };
  return {
    options,
    workload: { throughput: workload('throughput'), latency: workload('latency') },
    runs,
    summary: summarize(options, runs),
  };
}

async function runOnce(
  ctx: BenchContext,
  options: ApplyOptions,
  phase: Phase,
  replicaCount: number,
  round: number,
  workload: Workload,
): Promise<RunResult> {
  const loadAverage = loadavg()[0];
  const installation = await BenchInstallation.create(ctx.backbone);
  const logDir = join(ctx.root, 'tmp/bench/logs', installation.prefix);
  const processes = new ReplicaSet(
    ctx.root,
    ctx.dist,
    'incident-state',
    'INCIDENT_STATE_PORT',
    {
      NATS_URL: ctx.backbone.natsUrl,
      DATABASE_URL: installation.databaseUrl,
      TOCSIN_PREFIX: installation.prefix,
      LOG_LEVEL: 'warn',
    },
    logDir,
    options.serviceNodeArgs,
  );
  const total = workload.events.length;
  const integrationIds = [...new Set(workload.keys.map((k) => k.integrationId))];
  const normalize = NormalizeStub.start(installation.nc, installation.naming, integrationIds);
  let succeeded = false;
  const applied = await OutcomeCounter.start(installation.nc, installation.streamName('outcomes'));
  try {
    const publisher = new JetStreamPublisher(installation.nc, installation.naming, 30_000);
    const build = (i: number): ReturnType<typeof outgoing> => outgoing(workload, i);
    let publish: PublishReport;
    let startupMs: number;
    let cpuBefore: number;
    let machineBefore: ReturnType<typeof sampleCpu>;
    let databaseBefore: DatabaseActivity;
    const databaseName = new URL(installation.databaseUrl).pathname.slice(1);
    const postgresCpu = new ProcessGroupCpu(() => findProcesses('postgres: ', ` ${databaseName} `));
    const natsCpu = new ProcessGroupCpu(() => findProcesses('nats-server'));

    if (phase === 'throughput') {
      publish = await publishAll(publisher, EVENT_TYPE, total, build, options.inFlight);
      progress(`  published ${fmtInt(total)} events at ${fmtInt(publish.rate)}/s; starting the processes`);
      const started = performance.now();
      await processes.start(replicaCount);
      startupMs = performance.now() - started;
      // Counted from the moment every process is up: their start-up work is left out.
      cpuBefore = processes.cpuSeconds();
      databaseBefore = await installation.databaseActivity();
      postgresCpu.start();
      natsCpu.start();
      machineBefore = sampleCpu();
      await waitForOutcomes(ctx, installation, processes, applied, total, options.stallSeconds);
    } else {
      const started = performance.now();
      await processes.start(replicaCount);
      startupMs = performance.now() - started;
      cpuBefore = processes.cpuSeconds();
      databaseBefore = await installation.databaseActivity();
      postgresCpu.start();
      natsCpu.start();
      machineBefore = sampleCpu();
      [publish] = await Promise.all([
        publishAtRate(publisher, EVENT_TYPE, total, options.rate, build),
        waitForOutcomes(ctx, installation, processes, applied, total, options.stallSeconds),
      ]);
    }
    const cpuSeconds = processes.cpuSeconds() - cpuBefore;
    const postgresCpuSeconds = postgresCpu.elapsed();
    const natsCpuSeconds = natsCpu.elapsed();
    const machineBusy = busyShare(machineBefore, sampleCpu());
    const handlers = handlerTotals(await processes.metrics());
    await processes.stop();
    const databaseAfter = await installation.databaseActivity();
    const databasePerEvent = Object.fromEntries(
      Object.entries(databaseAfter).map(([name, value]) => [
        name,
        (value - databaseBefore[name as keyof DatabaseActivity]) / total,
      ]),
    ) as unknown as DatabaseActivity;

    const result = await measure(installation, workload, phase, options);
    const run: RunResult = {
      phase,
      replicas: replicaCount,
      round,
      prefix: installation.prefix,
      events: total,
      publish,
      startupMs,
      ...result,
      cpuMsPerEvent: (cpuSeconds * 1000) / total,
      postgresCpuMsPerEvent: (postgresCpuSeconds * 1000) / total,
      natsCpuMsPerEvent: (natsCpuSeconds * 1000) / total,
      machineBusy,
      loadAverage,
      handlerMs: (handlers.seconds * 1000) / handlers.count,
      handlersBusy: handlers.seconds / ((result.lastOutcomeAt - result.firstOutcomeAt) / 1000),
      retries: handlers.notAcked,
      databasePerEvent,
    };
    if (run.deadLetters > 0) {
      throw new Error(`${run.deadLetters} events were dead-lettered; see the logs in ${logDir}`);
    }
    succeeded = true;
    return run;
  } catch (error) {
    throw new Error(
      `${phase} run with ${replicaCount} replica(s) failed: ${(error as Error).message} (logs: ${logDir})`,
      { cause: error },
    );
  } finally {
    await applied.stop();
    await processes.stop();
    normalize.stop();
    await installation.cleanup();
    if (succeeded && !process.env.BENCH_KEEP_LOGS) rmSync(logDir, { recursive: true, force: true });
  }
}

/** Resolves once the outcomes stream holds `expected` outcomes; throws when it stops growing. */
async function waitForOutcomes(
  ctx: BenchContext,
  installation: BenchInstallation,
  processes: ReplicaSet,
  applied: OutcomeCounter,
  expected: number,
  stallSeconds: number,
): Promise<void> {
  let last = -1;
  let lastChange = Date.now();
  let lastReport = Date.now();
  for (;;) {
    if (ctx.signal.aborted) throw new Error('interrupted');
    processes.assertAllRunning();
    const count = applied.count;
    if (count >= expected) return;
    const now = Date.now();
    if (count !== last) {
      last = count;
      lastChange = now;
    } else if (now - lastChange > stallSeconds * 1000) {
      const deadLetters = await installation.streamMessages('deadLetters');
      throw new Error(
        `no outcome for ${stallSeconds} s: ${count} of ${expected} applied, ${deadLetters} dead letters`,
      );
    }
    if (now - lastReport >= 10_000) {
      progress(`  ${fmtInt(count)} of ${fmtInt(expected)} applied`);
      lastReport = now;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Sums the handler-duration histogram of incident-state's event consumer over the processes. */
function handlerTotals(texts: string[]): { seconds: number; count: number; notAcked: number } {
  const totals = { seconds: 0, count: 0, notAcked: 0 };
  const line = /^tocsin_handler_duration_seconds_(sum|count)\{([^}]*)\} (\S+)$/;
  for (const text of texts) {
    for (const row of text.split('\n')) {
      const match = line.exec(row);
      if (!match || !/consumer="incident-state-events"/.test(match[2])) continue;
      const value = Number(match[3]);
      if (match[1] === 'sum') totals.seconds += value;
      else {
        totals.count += value;
        if (!/settlement="ack"/.test(match[2])) totals.notAcked += value;
      }
    }
  }
  return totals;
}

type Measured = Pick<
  RunResult,
  | 'firstOutcomeAt'
  | 'lastOutcomeAt'
  | 'appliedPerSecond'
  | 'latencyMs'
  | 'outcomes'
  | 'deadLetters'
  | 'keysOutOfOrder'
  | 'saturated'
>;

/** Reads both streams' timestamps and the outcomes, and derives the figures of one run. */
async function measure(
  installation: BenchInstallation,
  workload: Workload,
  phase: Phase,
  options: ApplyOptions,
): Promise<Measured> {
  const messageId = (message: JsMsg): string => message.headers?.get(HEADERS.messageId) ?? '';

  const eventAt = new Map<string, number>();
  let firstEventAt = Infinity;
  let lastEventAt = -Infinity;
  await readStream(
    installation.nc,
    installation.streamName('events'),
    (message) => {
      const at = streamTimeMs(message);
      eventAt.set(messageId(message), at);
      firstEventAt = Math.min(firstEventAt, at);
      lastEventAt = Math.max(lastEventAt, at);
    },
    { headersOnly: true },
  );

  const indexByHook = new Map<string, number>(workload.events.map((e, i) => [e.hookId, i]));
  const lastStep = new Int32Array(workload.keys.length).fill(-1);
  const outOfOrder = new Set<number>();
  const outcomes: Record<string, number> = {};
  const latencies: number[] = [];
  const warmupEnds = firstEventAt + options.warmupSeconds * 1000;
  let first = Infinity;
  let last = -Infinity;
  let seen = 0;
  /** Outcomes stored at the first outcome's moment: applied before the measured span begins. */
  let atFirst = 0;
  await readStream(installation.nc, installation.streamName('outcomes'), (message) => {
    const at = streamTimeMs(message);
    const carried = outcomesCarried(message.json());
    if (at < first) atFirst = carried.length;
    else if (at === first) atFirst += carried.length;
    first = Math.min(first, at);
    last = Math.max(last, at);
    seen += carried.length;
    for (const outcome of carried) {
      outcomes[outcome.outcome] = (outcomes[outcome.outcome] ?? 0) + 1;
      const index = indexByHook.get(outcome.hookId);
      if (index !== undefined) {
        const event = workload.events[index];
        if (event.step < lastStep[event.key]) outOfOrder.add(event.key);
        lastStep[event.key] = Math.max(lastStep[event.key], event.step);
      }
      const publishedAt = eventAt.get(`${outcome.hookId}:${outcome.index}`);
      if (phase === 'latency' && publishedAt !== undefined && publishedAt >= warmupEnds) {
        latencies.push(at - publishedAt);
      }
    }
  });

  const appliedPerSecond = last > first ? (seen - atFirst) / ((last - first) / 1000) : Number.NaN;
  return {
    firstOutcomeAt: first,
    lastOutcomeAt: last,
    appliedPerSecond,
    latencyMs: phase === 'latency' ? distribution(latencies) : null,
    outcomes,
    deadLetters: await installation.streamMessages('deadLetters'),
    keysOutOfOrder: outOfOrder.size,
    saturated:
      phase === 'latency' && appliedPerSecond < 0.95 * ((seen - 1) / ((lastEventAt - firstEventAt) / 1000)),
  };
}

function summarize(options: ApplyOptions, runs: RunResult[]): ApplySummaryRow[] {
  const rows: ApplySummaryRow[] = [];
  for (const phase of options.phases) {
    let baseline = Number.NaN;
    for (const replicas of options.replicas) {
      const mine = runs.filter((r) => r.phase === phase && r.replicas === replicas);
      const appliedPerSecond = median(mine.map((r) => r.appliedPerSecond));
      if (Number.isNaN(baseline)) baseline = appliedPerSecond;
      const latency = (pick: (d: Distribution) => number): number =>
        median(mine.map((r) => (r.latencyMs ? pick(r.latencyMs) : Number.NaN)));
      rows.push({
        phase,
        replicas,
        rounds: mine.length,
        appliedPerSecond,
        latencyP50Ms: latency((d) => d.p50),
        latencyP90Ms: latency((d) => d.p90),
        latencyP99Ms: latency((d) => d.p99),
        ratio: appliedPerSecond / baseline,
      });
    }
  }
  return rows;
}

const replicasLabel = (n: number): string => `${n} replica${n === 1 ? '' : 's'}`;

/** The report as text: one table per phase with every round and the medians, then the target. */
export function renderApplyReport(report: ApplyReport): string {
  const { options, runs, summary } = report;
  const out: string[] = [];
  const rounds = Array.from({ length: options.rounds }, (_, i) => i + 1);
  const first = options.replicas[0];

  if (options.phases.includes('throughput')) {
    out.push(phaseTitle('throughput', options), '');
    const rows: string[][] = [
      [
        'events applied per second',
        ...rounds.map((r) => `round ${r}`),
        'median',
        `÷ ${replicasLabel(first)}`,
      ],
    ];
    for (const row of summary.filter((s) => s.phase === 'throughput')) {
      const mine = runs.filter((r) => r.phase === 'throughput' && r.replicas === row.replicas);
      rows.push([
        replicasLabel(row.replicas),
        ...rounds.map((round) => fmtInt(mine.find((r) => r.round === round)?.appliedPerSecond ?? NaN)),
        fmtInt(row.appliedPerSecond),
        fmtFixed(row.ratio, 2),
      ]);
    }
    out.push(table(rows), '');
    out.push(detailTable(runs.filter((r) => r.phase === 'throughput')), '');
  }

  if (options.phases.includes('latency')) {
    out.push(phaseTitle('latency', options), '');
    const rows: string[][] = [
      [
        'publish → commit latency (ms)',
        ...rounds.map((r) => `p50/p99 r${r}`),
        'median p50',
        'median p90',
        'median p99',
      ],
    ];
    for (const row of summary.filter((s) => s.phase === 'latency')) {
      const mine = runs.filter((r) => r.phase === 'latency' && r.replicas === row.replicas);
      rows.push([
        replicasLabel(row.replicas),
        ...rounds.map((round) => {
          const run = mine.find((r) => r.round === round);
          const d = run?.latencyMs;
          return d ? `${fmtMs(d.p50)}/${fmtMs(d.p99)}${run?.saturated ? ' (saturated)' : ''}` : '–';
        }),
        fmtMs(row.latencyP50Ms),
        fmtMs(row.latencyP90Ms),
        fmtMs(row.latencyP99Ms),
      ]);
    }
    out.push(table(rows), '');
    out.push(detailTable(runs.filter((r) => r.phase === 'latency')), '');
    const saturated = runs.filter((r) => r.phase === 'latency' && r.saturated);
    if (saturated.length > 0) {
      out.push(
        `warning: in ${saturated.length} latency run(s) the processes applied fewer events per second than ` +
          'were published: those latencies include time queued in a backlog. Lower BENCH_RATE.',
        '',
      );
    }
  }

  const one = summary.find((s) => s.phase === 'throughput' && s.replicas === 1);
  const two = summary.find((s) => s.phase === 'throughput' && s.replicas === 2);
  if (one) {
    const verdicts = [
      `${fmtInt(one.appliedPerSecond)} events/s with 1 replica (${one.appliedPerSecond >= 3_000 ? 'met' : 'NOT met'})`,
    ];
    if (two) {
      // Within 5 %, two medians are not told apart on a noisy machine.
      const ratio = two.appliedPerSecond / one.appliedPerSecond;
      verdicts.push(
        `${fmtInt(two.appliedPerSecond)} with 2, ratio ${fmtFixed(ratio, 2)} (${ratio > 1.05 ? 'more' : 'NOT clearly more'})`,
      );
    }
    out.push(`target: at least 3,000 events/s with 1 replica, more with 2 — median ${verdicts.join('; ')}`);
  }
  return out.join('\n');
}

/** Per-run figures that explain the headline ones, then the outcomes the runs reported. */
function detailTable(runs: RunResult[]): string {
  const rows: string[][] = [
    [
      '  run',
      'events/s',
      'handler ms',
      'in handlers',
      'retries',
      'CPU ms/ev: service',
      'postgres',
      'nats',
      'commits/ev',
      'rows written/ev',
      'machine busy',
      'load',
      'keys out of order',
    ],
  ];
  for (const r of runs) {
    rows.push([
      `  round ${r.round}, ${replicasLabel(r.replicas)}`,
      fmtInt(r.appliedPerSecond),
      fmtFixed(r.handlerMs, 1),
      fmtFixed(r.handlersBusy, 1),
      fmtInt(r.retries),
      fmtFixed(r.cpuMsPerEvent, 2),
      fmtFixed(r.postgresCpuMsPerEvent, 2),
      fmtFixed(r.natsCpuMsPerEvent, 2),
      fmtFixed(r.databasePerEvent.commits, 2),
      fmtFixed(r.databasePerEvent.inserted + r.databasePerEvent.updated + r.databasePerEvent.deleted, 1),
      `${fmtInt(r.machineBusy * 100)}%`,
      fmtFixed(r.loadAverage, 1),
      fmtInt(r.keysOutOfOrder),
    ]);
  }
  const outcomes = (r: RunResult): string =>
    Object.entries(r.outcomes)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${k} ${fmtInt(v)}`)
      .join(', ');
  const distinct = [...new Set(runs.map(outcomes))];
  const lines =
    distinct.length === 1
      ? [`  outcomes (the same in every run): ${distinct[0]}`]
      : runs.map((r) => `  outcomes of round ${r.round}, ${replicasLabel(r.replicas)}: ${outcomes(r)}`);
  return [table(rows), ...lines].join('\n');
}
