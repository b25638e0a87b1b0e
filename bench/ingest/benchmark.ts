import { STREAMS } from '@tocsin/contracts';
import { JetStreamProvisioner } from '@tocsin/messaging';
import autocannon from 'autocannon';
import { readFileSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import type { BenchContext } from '../incident-state-apply/benchmark';
import { Alertmanager, ALERTMANAGER_BINARY } from '../lib/alertmanager';
import { ALERTS_PER_GROUP, GROUPS, postableAlerts, webhookBody } from '../lib/alerts';
import { fmtFixed, fmtInt, fmtMs, progress, table } from '../lib/format';
import { BenchInstallation } from '../lib/installation';
import { createIntegration, waitAccepted } from '../lib/integration';
import { busyShare, findProcesses, processCpuSeconds, ProcessGroupCpu, sampleCpu } from '../lib/machine';
import { MemorySampler } from '../lib/memory';
import { choiceListOption, intListOption, intOption, stringOption } from '../lib/options';
import { ReplicaSet } from '../lib/replicas';
import { median } from '../lib/stats';

/*
 * ingest: accepted webhooks per second and latency at a fixed number of connections, side by side
 * in one run with
 * - the reference server (bench/ingest/reference-server.ts): bare node:http publishing the same
 *   body to a stream of the same shape and awaiting the ack, the ceiling for this shape;
 * - Prometheus Alertmanager taking the same alerts on its POST /api/v2/alerts (in memory).
 * The load (autocannon, closed loop: each connection sends its next request when the answer to
 * the last one came) runs against each target in turn for the same duration, the targets
 * alternating within each round, so that drift on a shared machine falls on all of them alike.
 */

export const TARGETS = ['ingest', 'baseline', 'reference', 'alertmanager'] as const;
export type Target = (typeof TARGETS)[number];

/** Rate limits far above what one process can take: the benchmark measures the path, not the limiter. */
export const UNLIMITED_RATES: Record<string, string> = {
  INGEST_RATE_PER_INTEGRATION: '1000000',
  INGEST_BURST_PER_INTEGRATION: '10000000',
  INGEST_RATE_TOTAL: '1000000',
  INGEST_BURST_TOTAL: '10000000',
};

export interface IngestOptions {
  seconds: number;
  warmupSeconds: number;
  rounds: number;
  connections: number[];
  targets: Target[];
  alertmanager: string;
  /** Another build of the apps (a copy of dist/), whose ingest runs as the target `baseline`. */
  baseline: string | null;
  /** Node options for the ingest process only (for example `--cpu-prof`). */
  serviceNodeArgs: string[];
}

function readOptions(): IngestOptions {
  const baseline = stringOption('BENCH_INGEST_BASELINE', '') || null;
  const defaults: Target[] = baseline ? [...TARGETS] : ['ingest', 'reference', 'alertmanager'];
  return {
    seconds: intOption('BENCH_INGEST_SECONDS', 10, 1, 3_600),
    warmupSeconds: intOption('BENCH_INGEST_WARMUP_SECONDS', 3, 0, 600),
    rounds: intOption('BENCH_ROUNDS', 3, 1, 20),
    connections: intListOption('BENCH_CONNECTIONS', [50, 200], 1, 10_000),
    targets: choiceListOption('BENCH_INGEST_TARGETS', TARGETS, defaults),
    alertmanager: stringOption('BENCH_ALERTMANAGER', ALERTMANAGER_BINARY),
    baseline: baseline ? resolve(baseline) : null,
    serviceNodeArgs: stringOption('BENCH_SERVICE_NODE_ARGS', '').split(/\s+/).filter(Boolean),
  };
}

export interface LoadRun {
  target: Target;
  connections: number;
  round: number;
  seconds: number;
  /** Answers with a 2xx status (202 from ingest and the reference, 200 from Alertmanager). */
  accepted: number;
  acceptedPerSecond: number;
  /** Answers with another status, and requests that got no answer (socket errors, timeouts). */
  refused: number;
  errors: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  /** The target process's highest resident memory while loaded, MiB. */
  rssPeakMiB: number;
  /** A Tocsin service's V8 heap (used, and reserved) and memory outside it (Buffers), MiB, right after the load. */
  heapMiB: { used: number; total: number; external: number } | null;
  /** CPU (user + system) per accepted request: the target, nats-server, the load generator. */
  cpuMsPerRequest: { target: number; nats: number; client: number };
  /** Share of both cores' time that was busy during the run (every process counts). */
  machineBusy: number;
  loadAverage: number;
}

export interface IngestSummaryRow {
  target: Target;
  connections: number;
  acceptedPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  rssPeakMiB: number;
  /** CPU per accepted request of the target process, and of nats-server meanwhile (medians). */
  cpuMsPerRequest: number;
  natsCpuMsPerRequest: number;
  /**
   * The median over rounds of this target's rate ÷ the reference's (and Alertmanager's, and the
   * baseline's) in the same round: the run's ratio, robust to the machine's load changing between rounds.
   */
  vsReference: number;
  vsAlertmanager: number;
  vsBaseline: number;
}

export interface IngestReport {
  options: IngestOptions;
  body: { webhookBytes: number; alertsBytes: number; groups: number; alertsPerGroup: number };
  alertmanagerVersion: string | null;
  autocannonVersion: string;
  runs: LoadRun[];
  summary: IngestSummaryRow[];
}

interface Running {
  url: string;
  pid: () => number | undefined;
  bodies: string[];
  /** A Tocsin service's Prometheus metrics, for its heap figures after the load. */
  metricsUrl?: string;
}

export async function runIngest(ctx: BenchContext): Promise<IngestReport> {
  const options = readOptions();
  const installation = await BenchInstallation.create(ctx.backbone);
  const logDir = join(ctx.root, 'tmp/bench/logs', installation.prefix);
  const common = {
    NATS_URL: ctx.backbone.natsUrl,
    DATABASE_URL: installation.databaseUrl,
    TOCSIN_PREFIX: installation.prefix,
  };
  const normalize = new ReplicaSet(
    ctx.root,
    ctx.dist,
    'normalize',
    'NORMALIZE_PORT',
    { ...common, LOG_LEVEL: 'warn' },
    logDir,
  );
  // ingest as it runs by default (LOG_LEVEL info: it logs no line per accepted hook), limits lifted.
  const ingest = new ReplicaSet(
    ctx.root,
    ctx.dist,
    'ingest',
    'INGEST_PORT',
    { ...common, ...UNLIMITED_RATES },
    logDir,
    options.serviceNodeArgs,
  );
  // The same service from another build, for a before/after comparison in one run.
  const baseline = new ReplicaSet(
    ctx.root,
    options.baseline ?? ctx.dist,
    'ingest',
    'INGEST_PORT',
    { ...common, ...UNLIMITED_RATES },
    join(logDir, 'baseline'),
  );
  const reference = new ReplicaSet(
    ctx.root,
    ctx.dist,
    'reference',
    'REFERENCE_PORT',
    { NATS_URL: ctx.backbone.natsUrl, REFERENCE_SUBJECT: installation.naming.subject('reference.hooks') },
    logDir,
    [],
    join(__dirname, 'reference-server.js'),
  );
  let alertmanager: Alertmanager | undefined;
  let succeeded = false;
  const webhooks = Array.from({ length: GROUPS }, (_, g) => webhookBody(g));
  const alerts = Array.from({ length: GROUPS }, (_, g) => postableAlerts(g));
  try {
    // The integration is made as the api makes it (normalize stores it and publishes its token
    // to the index ingest reads); normalize then stops, so that only ingest works during the load.
    progress('starting normalize and ingest; creating an Alertmanager integration');
    await normalize.start(1);
    const integration = await createIntegration(installation, 'bench alertmanager', 'alertmanager');
    await ingest.start(1);
    const hookUrl = `http://127.0.0.1:${ingest.replicas[0].port}/hooks/${integration.token}`;
    await waitAccepted(hookUrl, webhooks[0]);
    let baselineUrl = '';
    if (options.targets.includes('baseline')) {
      if (!options.baseline)
        throw new Error('the target baseline needs BENCH_INGEST_BASELINE (a copy of dist/)');
      await baseline.start(1);
      baselineUrl = `http://127.0.0.1:${baseline.replicas[0].port}/hooks/${integration.token}`;
      await waitAccepted(baselineUrl, webhooks[0]);
    }
    await normalize.stop();

    const provisioner = new JetStreamProvisioner(installation.nc, installation.naming, 1);
    await provisioner.ensureStream({
      name: 'reference',
      subjects: ['reference.>'],
      maxAgeMs: STREAMS.hooks.maxAgeMs,
      duplicateWindowMs: STREAMS.hooks.duplicateWindowMs,
    });
    const targets: Partial<Record<Target, Running>> = {};
    if (options.targets.includes('ingest')) {
      targets.ingest = {
        url: hookUrl,
        pid: () => ingest.pids()[0],
        bodies: webhooks,
        metricsUrl: `http://127.0.0.1:${ingest.replicas[0].port}/metrics`,
      };
    }
    if (options.targets.includes('baseline')) {
      targets.baseline = {
        url: baselineUrl,
        pid: () => baseline.pids()[0],
        bodies: webhooks,
        metricsUrl: `http://127.0.0.1:${baseline.replicas[0].port}/metrics`,
      };
    }
    if (options.targets.includes('reference')) {
      await reference.start(1);
      targets.reference = {
        url: `http://127.0.0.1:${reference.replicas[0].port}/hooks`,
        pid: () => reference.pids()[0],
        bodies: webhooks,
      };
    }
    if (options.targets.includes('alertmanager')) {
      alertmanager = await Alertmanager.start(options.alertmanager, logDir);
      const am = alertmanager;
      targets.alertmanager = { url: `${am.url}/api/v2/alerts`, pid: () => am.pid, bodies: alerts };
    }
    const purge = async (): Promise<void> => {
      // What was stored is not read by anyone here; purging keeps the disk and the server's
      // duplicate-window index from growing over the rounds.
      await installation.jsm.streams.purge(installation.streamName('hooks'));
      await installation.jsm.streams.purge(installation.naming.stream({ name: 'reference' }));
    };

    if (options.warmupSeconds > 0) {
      for (const target of options.targets) {
        progress(`warming up ${target} for ${options.warmupSeconds} s`);
        await load(targets[target] as Running, options.connections[0], options.warmupSeconds);
      }
      await purge();
    }
    const runs: LoadRun[] = [];
    for (let round = 1; round <= options.rounds; round += 1) {
      for (const connections of options.connections) {
        for (const target of options.targets) {
          if (ctx.signal.aborted) throw new Error('interrupted');
          ingest.assertAllRunning();
          baseline.assertAllRunning();
          const run = await measure(target, targets[target] as Running, connections, round, options.seconds);
          runs.push(run);
          progress(
            `round ${round}/${options.rounds}, ${connections} connections, ${target}: ${fmtInt(run.acceptedPerSecond)} accepted/s, ` +
              `p50 ${fmtMs(run.latencyMs.p50)} ms, p99 ${fmtMs(run.latencyMs.p99)} ms, ${fmtInt(run.rssPeakMiB)} MiB; ` +
              `refused ${run.refused}, errors ${run.errors}`,
          );
          await purge();
        }
      }
    }
    succeeded = true;
    return {
      options,
      body: {
        webhookBytes: Buffer.byteLength(webhooks[0]),
        alertsBytes: Buffer.byteLength(alerts[0]),
        groups: GROUPS,
        alertsPerGroup: ALERTS_PER_GROUP,
      },
      alertmanagerVersion: alertmanager?.version ?? null,
      autocannonVersion: packageVersion('autocannon'),
      runs,
      summary: summarize(options, runs),
    };
  } finally {
    await Promise.all([
      normalize.stop().catch(() => undefined),
      ingest.stop().catch(() => undefined),
      baseline.stop().catch(() => undefined),
      reference.stop().catch(() => undefined),
      alertmanager?.stop().catch(() => undefined),
    ]);
    await installation.cleanup();
    if (succeeded) rmSync(logDir, { recursive: true, force: true });
    else progress(`logs kept in ${logDir}`);
  }
}

/** The version of an installed npm package. */
function packageVersion(name: string): string {
  try {
    const manifest = readFileSync(require.resolve(`${name}/package.json`), 'utf8');
    return (JSON.parse(manifest) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

function load(target: Running, connections: number, seconds: number): Promise<autocannon.Result> {
  return autocannon({
    url: target.url,
    method: 'POST',
    connections,
    duration: seconds,
    timeout: 10,
    headers: { 'content-type': 'application/json' },
    // Each connection cycles through the bodies.
    requests: target.bodies.map((body) => ({ method: 'POST', body })),
  });
}

async function measure(
  name: Target,
  target: Running,
  connections: number,
  round: number,
  seconds: number,
): Promise<LoadRun> {
  const loadAverage = loadavg()[0];
  const pid = target.pid();
  const memory = new MemorySampler(() => ({ [name]: pid === undefined ? [] : [pid] }));
  const nats = new ProcessGroupCpu(() => findProcesses('nats-server'));
  const cpuBefore = processCpuSeconds(pid);
  const clientBefore = process.cpuUsage();
  const machineBefore = sampleCpu();
  nats.start();
  memory.start();
  const result = await load(target, connections, seconds);
  const rss = memory.stop();
  const heapMiB = target.metricsUrl ? await heapOf(target.metricsUrl) : null;
  const cpu = processCpuSeconds(pid) - cpuBefore;
  const natsCpu = nats.elapsed();
  const client = process.cpuUsage(clientBefore);
  const machineBusy = busyShare(machineBefore, sampleCpu());
  const accepted = result['2xx'];
  const perRequest = (cpuSeconds: number): number =>
    accepted > 0 ? (cpuSeconds * 1000) / accepted : Number.NaN;
  return {
    target: name,
    connections,
    round,
    seconds: result.duration,
    accepted,
    acceptedPerSecond: accepted / result.duration,
    refused: result.non2xx,
    errors: result.errors,
    latencyMs: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
      mean: result.latency.mean,
    },
    rssPeakMiB: rss[name]?.peakMiB ?? Number.NaN,
    heapMiB,
    cpuMsPerRequest: {
      target: perRequest(cpu),
      nats: perRequest(natsCpu),
      client: perRequest((client.user + client.system) / 1e6),
    },
    machineBusy,
    loadAverage,
  };
}

/** Heap figures from a service's Prometheus text (prom-client's default metrics), MiB. */
async function heapOf(url: string): Promise<{ used: number; total: number; external: number } | null> {
  try {
    const text = await (await fetch(url, { signal: AbortSignal.timeout(5_000) })).text();
    const value = (name: string): number =>
      Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, 'm').exec(text)?.[1] ?? Number.NaN) / 2 ** 20;
    return {
      used: value('nodejs_heap_size_used_bytes'),
      total: value('nodejs_heap_size_total_bytes'),
      external: value('nodejs_external_memory_bytes'),
    };
  } catch {
    return null;
  }
}

function summarize(options: IngestOptions, runs: LoadRun[]): IngestSummaryRow[] {
  const rows: IngestSummaryRow[] = [];
  for (const connections of options.connections) {
    for (const target of options.targets) {
      const mine = runs.filter((r) => r.target === target && r.connections === connections);
      rows.push({
        target,
        connections,
        acceptedPerSecond: median(mine.map((r) => r.acceptedPerSecond)),
        p50Ms: median(mine.map((r) => r.latencyMs.p50)),
        p99Ms: median(mine.map((r) => r.latencyMs.p99)),
        rssPeakMiB: Math.max(...mine.map((r) => r.rssPeakMiB)),
        cpuMsPerRequest: median(mine.map((r) => r.cpuMsPerRequest.target)),
        natsCpuMsPerRequest: median(mine.map((r) => r.cpuMsPerRequest.nats)),
        vsReference: roundRatio(runs, target, 'reference', connections),
        vsAlertmanager: roundRatio(runs, target, 'alertmanager', connections),
        vsBaseline: roundRatio(runs, target, 'baseline', connections),
      });
    }
  }
  return rows;
}

/** The median over rounds of a's accepted/s ÷ b's in the same round and at the same connections. */
function roundRatio(runs: LoadRun[], a: Target, b: Target, connections: number): number {
  const ratios: number[] = [];
  for (const run of runs) {
    if (run.target !== a || run.connections !== connections) continue;
    const other = runs.find((r) => r.target === b && r.connections === connections && r.round === run.round);
    if (other) ratios.push(run.acceptedPerSecond / other.acceptedPerSecond);
  }
  return median(ratios);
}

/** "met (1.12×)" or "missed by 23 %": how a figure stands against its target. */
export function verdict(value: number, target: number, higherIsBetter: boolean): string {
  if (!Number.isFinite(value) || !Number.isFinite(target)) return 'not measured';
  const met = higherIsBetter ? value >= target : value <= target;
  if (met) return `met (${fmtFixed(higherIsBetter ? value / target : target / value, 2)}× the target)`;
  const off = higherIsBetter ? (target - value) / target : (value - target) / target;
  return `MISSED by ${fmtInt(off * 100)} %`;
}

const RSS_TARGET_MIB = 200;

export function renderIngestReport(report: IngestReport): string {
  const { options, runs, summary } = report;
  const rows: string[][] = [
    [
      'run',
      'accepted/s',
      'p50 ms',
      'p90 ms',
      'p99 ms',
      'max ms',
      'non-2xx',
      'errors',
      'RSS MiB',
      'heap used/total',
      'CPU ms/req',
      'nats',
      'client',
      'busy',
    ],
    ...runs.map((r) => [
      `round ${r.round}, ${r.connections} conn, ${r.target}`,
      fmtInt(r.acceptedPerSecond),
      fmtMs(r.latencyMs.p50),
      fmtMs(r.latencyMs.p90),
      fmtMs(r.latencyMs.p99),
      fmtMs(r.latencyMs.max),
      fmtInt(r.refused),
      fmtInt(r.errors),
      fmtInt(r.rssPeakMiB),
      r.heapMiB ? `${fmtInt(r.heapMiB.used)}/${fmtInt(r.heapMiB.total)}` : '–',
      fmtFixed(r.cpuMsPerRequest.target, 3),
      fmtFixed(r.cpuMsPerRequest.nats, 3),
      fmtFixed(r.cpuMsPerRequest.client, 3),
      `${fmtInt(r.machineBusy * 100)}%`,
    ]),
  ];
  const medianRows: string[][] = [
    [
      'median over rounds',
      'accepted/s',
      'p50 ms',
      'p99 ms',
      'peak RSS MiB',
      'CPU ms/req',
      'nats',
      '÷ reference',
      '÷ alertmanager',
    ],
  ];
  const find = (target: Target, connections: number): IngestSummaryRow | undefined =>
    summary.find((s) => s.target === target && s.connections === connections);
  for (const s of summary) {
    medianRows.push([
      `${s.connections} conn, ${s.target}`,
      fmtInt(s.acceptedPerSecond),
      fmtMs(s.p50Ms),
      fmtMs(s.p99Ms),
      fmtInt(s.rssPeakMiB),
      fmtFixed(s.cpuMsPerRequest, 3),
      fmtFixed(s.natsCpuMsPerRequest, 3),
      fmtFixed(s.vsReference, 2),
      fmtFixed(s.vsAlertmanager, 2),
    ]);
  }
  const targets: string[] = [];
  for (const connections of options.connections) {
    const ingest = find('ingest', connections);
    const ref = find('reference', connections);
    const am = find('alertmanager', connections);
    const base = find('baseline', connections);
    if (!ingest) continue;
    if (base) {
      targets.push(
        `${connections} conn: ingest ÷ baseline (${options.baseline}) = ${fmtFixed(ingest.vsBaseline, 2)}; ` +
          `p99 ${fmtMs(ingest.p99Ms)} ms vs ${fmtMs(base.p99Ms)} ms`,
      );
    }
    if (ref) {
      targets.push(
        `${connections} conn: ingest ÷ reference = ${fmtFixed(ingest.vsReference, 2)} ` +
          `(target ≥ 1): ${verdict(ingest.vsReference, 1, true)}`,
      );
    }
    if (am) {
      targets.push(
        `${connections} conn: ingest ÷ alertmanager = ${fmtFixed(ingest.vsAlertmanager, 2)} ` +
          `(target ≥ 1): ${verdict(ingest.vsAlertmanager, 1, true)}`,
      );
      targets.push(
        `${connections} conn: ingest p99 ${fmtMs(ingest.p99Ms)} ms vs a third of alertmanager's ${fmtMs(am.p99Ms)} ms ` +
          `(${fmtMs(am.p99Ms / 3)} ms): ${verdict(ingest.p99Ms, am.p99Ms / 3, false)}`,
      );
    }
    targets.push(
      `${connections} conn: ingest peak RSS ${fmtInt(ingest.rssPeakMiB)} MiB (target < ${RSS_TARGET_MIB}): ${verdict(ingest.rssPeakMiB, RSS_TARGET_MIB, false)}`,
    );
  }
  return [
    `${options.rounds} round(s) of ${options.seconds} s per target and connection count (after ${options.warmupSeconds} s of warm-up each), ` +
      `targets in the order ${options.targets.join(', ')}; body: an Alertmanager webhook of ${report.body.alertsPerGroup} alerts ` +
      `(${fmtInt(report.body.webhookBytes)} bytes) to ingest and the reference, the same alerts (${fmtInt(report.body.alertsBytes)} bytes) to ` +
      `Alertmanager ${report.alertmanagerVersion ?? ''}'s POST /api/v2/alerts; ${report.body.groups} different groups cycled. ` +
      `Load: autocannon ${report.autocannonVersion}, closed loop. ` +
      'ingest runs with its rate limits lifted (INGEST_RATE_* at 1,000,000/s). ÷ columns: the median over rounds of the ratio within each round.',
    '',
    table(rows),
    '',
    table(medianRows),
    '',
    'targets (ratios: the median over rounds of the ratio within each round; latencies and memory: medians and peaks over rounds):',
    ...targets.map((t) => `  ${t}`),
  ].join('\n');
}
