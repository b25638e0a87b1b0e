import 'reflect-metadata';
import { connect } from '@nats-io/transport-node';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { Client } from 'pg';
import {
  renderApplyReport,
  runIncidentStateApply,
  type BenchContext,
} from './incident-state-apply/benchmark';
import { renderIngestReport, runIngest } from './ingest/benchmark';
import { progress } from './lib/format';
import { renderPipelineReport, runPipeline } from './pipeline/benchmark';
import { renderPagingReport, runNotifierPaging } from './notifier-paging/benchmark';
import { machineInfo } from './lib/machine';
import { OptionError, stringOption } from './lib/options';

/*
 * `npm run bench [name…]`: runs the project's benchmarks (all of them, or those named) against
 * the real NATS and PostgreSQL, prints a table per benchmark and writes every figure to
 * bench/results/<time>.json. tools/bench.mjs builds, copies the build and compiles this beside it,
 * so the services started are those of the copy.
 */

interface Benchmark {
  name: string;
  description: string;
  /** Runs the benchmark: every figure (for the JSON file) and the table that shows them. */
  run(ctx: BenchContext): Promise<{ report: unknown; text: string }>;
}

function benchmark<R>(
  name: string,
  description: string,
  run: (ctx: BenchContext) => Promise<R>,
  render: (report: R) => string,
): Benchmark {
  return {
    name,
    description,
    run: async (ctx) => {
      const report = await run(ctx);
      return { report, text: render(report) };
    },
  };
}

const BENCHMARKS: Benchmark[] = [
  benchmark(
    'ingest',
    'ingest: accepted webhooks per second and latency at 50 and 200 connections, beside a bare reference server and Alertmanager',
    runIngest,
    renderIngestReport,
  ),
  benchmark(
    'pipeline',
    "all services: webhook → incident committed at 500 and 1,000 webhooks/s, the saturation rate, each consumer's rate, memory",
    runPipeline,
    renderPipelineReport,
  ),
  benchmark(
    'incident-state-apply',
    'incident-state: events applied per second from a backlog, and publish → commit latency',
    runIncidentStateApply,
    renderApplyReport,
  ),
  benchmark(
    'notifier-paging',
    'notifier: deliveries per second and incident opened → page received, three people by email and webhook',
    runNotifierPaging,
    renderPagingReport,
  ),
];

/** The compiled apps and libraries this file was compiled beside. */
const DIST = resolve(__dirname, '..');

/** The workspace: the nearest directory above with the project's package.json. */
function workspaceRoot(): string {
  for (let dir = DIST; dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (
      existsSync(manifest) &&
      (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'tocsin'
    )
      return dir;
  }
  throw new Error(`no Tocsin workspace above ${DIST}`);
}

const ROOT = workspaceRoot();
const aborter = new AbortController();

async function backboneVersions(natsUrl: string, databaseServer: string): Promise<Record<string, string>> {
  const nc = await connect({ servers: natsUrl.split(','), timeout: 5_000 });
  const nats = nc.info?.version ?? 'unknown';
  const jetstream = nc.info?.jetstream === true;
  await nc.close();
  if (!jetstream) throw new Error(`nats-server at ${natsUrl} runs without JetStream: start it with -js`);
  const pg = new Client({ connectionString: `${databaseServer}/postgres`, connectionTimeoutMillis: 5_000 });
  await pg.connect();
  try {
    const { rows } = await pg.query<{ server_version: string }>('SHOW server_version');
    return { natsServer: nats, postgres: rows[0]?.server_version ?? 'unknown' };
  } finally {
    await pg.end();
  }
}

async function main(): Promise<number> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((name) => !BENCHMARKS.some((b) => b.name === name));
  if (unknown.length > 0) {
    process.stderr.write(
      `unknown benchmark ${unknown.join(', ')}; there are:\n${BENCHMARKS.map((b) => `  ${b.name}  ${b.description}`).join('\n')}\n`,
    );
    return 2;
  }
  const selected = wanted.length > 0 ? BENCHMARKS.filter((b) => wanted.includes(b.name)) : BENCHMARKS;

  const natsUrl = stringOption('NATS_URL', 'nats://127.0.0.1:4222');
  const databaseServer = stringOption(
    'BENCH_DATABASE_SERVER',
    stringOption('TEST_DATABASE_SERVER', 'postgres://postgres@127.0.0.1:5432'),
  ).replace(/\/+$/, '');
  const interrupt = (): void => {
    if (aborter.signal.aborted) process.exit(130);
    progress('interrupted: stopping the processes and removing the installation (Ctrl-C again to leave now)');
    aborter.abort();
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);

  const startedAt = new Date();
  const machine = machineInfo(ROOT);
  const backbone = await backboneVersions(natsUrl, databaseServer);
  // The command as typed, with the settings that differ from the defaults, to run it again.
  const settings = Object.keys(process.env)
    .filter((name) => name.startsWith('BENCH_'))
    .sort()
    .map((name) => `${name}=${process.env[name]}`);
  const command = [...settings, 'npm run bench', ...(wanted.length > 0 ? ['--', ...wanted] : [])].join(' ');
  const header = [
    `Tocsin benchmarks — ${startedAt.toISOString()}, commit ${machine.commit ?? 'unknown'}${machine.dirty ? ' with uncommitted changes' : ''}`,
    `command: ${command}`,
    `machine: ${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memoryGiB} GiB, load average ${machine.loadAverage.join(' ')} at start`,
    `software: Node ${machine.node}, nats-server ${backbone.natsServer}, PostgreSQL ${backbone.postgres}`,
    `note: NATS, PostgreSQL, the services and this client share the same ${machine.cpus} cores, and the machine ` +
      'may be shared with other work: single runs are noisy, compare the medians of alternating rounds.',
  ];
  process.stdout.write(`${header.join('\n')}\n\n`);

  const ctx: BenchContext = {
    root: ROOT,
    dist: DIST,
    backbone: { natsUrl, databaseServer },
    signal: aborter.signal,
  };
  const results: Record<string, unknown> = {};
  for (const { name, description, run } of selected) {
    progress(`${name}: ${description}`);
    const { report, text } = await run(ctx);
    results[name] = report;
    process.stdout.write(`== ${name} ==\n${text}\n\n`);
  }

  const dir = join(ROOT, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(
    file,
    `${JSON.stringify({ startedAt, finishedAt: new Date(), command, machine, backbone, results }, null, 2)}\n`,
  );
  process.stdout.write(`every figure: ${relative(ROOT, file)}\n`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      error instanceof OptionError ? `${error.message}\n` : `benchmark failed: ${(error as Error).message}\n`,
    );
    process.exit(aborter.signal.aborted ? 130 : 1);
  },
);
