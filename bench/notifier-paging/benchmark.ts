import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { IncidentChanged, SUBJECTS, type IncidentChangedV1 } from '@tocsin/contracts';
import { JetStreamPublisher, uuidv7 } from '@tocsin/messaging';
import { SMTPServer } from 'smtp-server';
import type { BenchContext } from '../incident-state-apply/benchmark';
import { fmtFixed, fmtInt, fmtMs, progress, table } from '../lib/format';
import { BenchInstallation } from '../lib/installation';
import { intListOption, intOption } from '../lib/options';
import { publishAtRate } from '../lib/publish';
import { ReplicaSet } from '../lib/replicas';
import { distribution, median, type Distribution } from '../lib/stats';

/*
 * notifier-paging: incidents open against one escalation policy whose single step pages three
 * people, each by email (to a local SMTP server) and by webhook (to a local HTTP server): six
 * deliveries per incident. Measures deliveries per second and the time from the incident change
 * being stored in JetStream to each message arriving at its server.
 */

const PEOPLE = 3;
const METHODS_PER_PERSON = 2;

export interface PagingOptions {
  incidents: number;
  /** Incident changes published per second. */
  rate: number;
  rounds: number;
  replicas: number[];
  stallSeconds: number;
}

export interface PagingRun {
  round: number;
  replicas: number;
  incidents: number;
  deliveries: number;
  /** From the first publish to the last delivery received. */
  seconds: number;
  deliveriesPerSecond: number;
  latencyMs: Distribution;
  cpuMsPerDelivery: number;
}

export interface PagingReport {
  options: PagingOptions;
  runs: PagingRun[];
}

function readOptions(): PagingOptions {
  return {
    incidents: intOption('BENCH_PAGING_INCIDENTS', 10_000, 1, 1_000_000),
    rate: intOption('BENCH_PAGING_RATE', 100, 1, 100_000),
    rounds: intOption('BENCH_ROUNDS', 3, 1, 20),
    replicas: intListOption('BENCH_REPLICAS', [1, 2], 1, 8),
    stallSeconds: intOption('BENCH_STALL_SECONDS', 120, 5, 3_600),
  };
}

/** Arrival times (performance.now()) of messages per incident id, from both receivers. */
class Arrivals {
  readonly times: number[] = [];
  readonly byIncident = new Map<string, number>();
  constructor(private readonly publishedAt: Map<string, number>) {}

  record(incidentId: string | undefined): void {
    const now = performance.now();
    const sent = incidentId ? this.publishedAt.get(incidentId) : undefined;
    if (sent !== undefined) this.times.push(now - sent);
    if (incidentId) this.byIncident.set(incidentId, (this.byIncident.get(incidentId) ?? 0) + 1);
  }
}

async function listen(server: Server | SMTPServer): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = (server instanceof SMTPServer ? server.server : server).address() as AddressInfo;
  return address.port;
}

async function rpc<T>(installation: BenchInstallation, subject: string, body: object): Promise<T> {
  const reply = await installation.nc.request(installation.naming.subject(subject), JSON.stringify(body), {
    timeout: 10_000,
  });
  const answer = reply.json<{ ok: boolean; data?: T; error?: { message: string } }>();
  if (!answer.ok) throw new Error(`${subject}: ${answer.error?.message ?? 'failed'}`);
  return answer.data as T;
}

async function runOnce(
  ctx: BenchContext,
  options: PagingOptions,
  replicas: number,
  round: number,
): Promise<PagingRun> {
  const installation = await BenchInstallation.create(ctx.backbone);
  const publishedAt = new Map<string, number>();
  const arrivals = new Arrivals(publishedAt);
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData: (stream, _session, callback) => {
      let head = '';
      stream.on('data', (chunk: Buffer) => {
        if (head.length < 4096) head += chunk.toString('latin1');
      });
      stream.on('end', () => {
        arrivals.record(/^X-Tocsin-Incident: (\S+)/im.exec(head)?.[1]);
        callback();
      });
    },
  });
  const hooks = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString()) as { incident?: { id?: string } };
      arrivals.record(body.incident?.id);
      response.writeHead(204).end();
    });
  });
  const set = new ReplicaSet(
    ctx.root,
    ctx.dist,
    'notifier',
    'NOTIFIER_PORT',
    {
      NATS_URL: ctx.backbone.natsUrl,
      DATABASE_URL: installation.databaseUrl,
      TOCSIN_PREFIX: installation.prefix,
      LOG_LEVEL: 'warn',
      SMTP_URL: `smtp://127.0.0.1:${await listen(smtp)}`,
      SMTP_FROM: 'Tocsin <bench@tocsin.test>',
      // The benchmark measures the machinery: the same three people get every page.
      NOTIFIER_THROTTLES: 'off',
    },
    join(ctx.root, 'tmp/bench/logs', installation.prefix),
  );
  const hookPort = await listen(hooks);
  try {
    await set.start(replicas);
    const userIds: string[] = [];
    for (let i = 0; i < PEOPLE; i += 1) {
      const user = await rpc<{ id: string }>(installation, 'rpc.notifier.users.create', {
        name: `Person ${i}`,
        email: `person${i}@bench.test`,
        timeZone: 'UTC',
      });
      for (const [kind, address] of [
        ['email', `person${i}@bench.test`],
        ['webhook', `http://127.0.0.1:${hookPort}/person${i}`],
      ] as const) {
        const method = await rpc<{ id: string }>(installation, 'rpc.notifier.contact-methods.add', {
          userId: user.id,
          kind,
          address,
        });
        await rpc(installation, 'rpc.notifier.notification-rules.add', {
          userId: user.id,
          contactMethodId: method.id,
          delayMinutes: 0,
        });
      }
      userIds.push(user.id);
    }
    const policy = await rpc<{ id: string }>(installation, 'rpc.notifier.escalation-policies.create', {
      name: 'everyone at once',
      steps: [{ targets: userIds.map((id) => ({ type: 'user', id })), delayMinutes: 30 }],
    });
    const expected = options.incidents * PEOPLE * METHODS_PER_PERSON;
    const publisher = new JetStreamPublisher(installation.nc, installation.naming);
    const cpuBefore = set.cpuSeconds();
    const started = performance.now();
    const publishing = publishAtRate(publisher, IncidentChanged, options.incidents, options.rate, (i) => {
      const id = uuidv7();
      const now = new Date().toISOString();
      publishedAt.set(id, performance.now());
      const change: IncidentChangedV1 = {
        change: 'opened',
        page: true,
        actor: 'hook:bench',
        incident: {
          id,
          number: i + 1,
          integrationId: '01900000-0000-7000-8000-00000000beef',
          dedupKey: `bench-${i}`,
          status: 'triggered',
          title: `bench incident ${i + 1}`,
          severity: 'critical',
          alertCount: 1,
          openedAt: now,
          lastEventAt: now,
          escalationPolicyId: policy.id,
        },
      };
      return {
        subject: SUBJECTS.incident('opened', id),
        payload: change,
        options: { messageId: `bench:${id}` },
      };
    });
    let seen = 0;
    let lastProgress = performance.now();
    while (arrivals.times.length < expected) {
      if (ctx.signal.aborted) throw new Error('interrupted');
      await new Promise((resolve) => setTimeout(resolve, 500));
      if (arrivals.times.length > seen) {
        seen = arrivals.times.length;
        lastProgress = performance.now();
        progress(`  ${fmtInt(seen)} of ${fmtInt(expected)} delivered`);
      } else if (performance.now() - lastProgress > options.stallSeconds * 1000) {
        throw new Error(
          `no delivery for ${options.stallSeconds} s at ${seen} of ${expected}; logs in ${set.logDir}`,
        );
      }
    }
    await publishing;
    const seconds = (performance.now() - started) / 1000;
    const cpu = set.cpuSeconds() - cpuBefore;
    const twice = [...arrivals.byIncident.values()].filter((n) => n > PEOPLE * METHODS_PER_PERSON).length;
    if (twice > 0)
      throw new Error(`${twice} incidents were delivered more than ${PEOPLE * METHODS_PER_PERSON} messages`);
    await set.stop();
    return {
      round,
      replicas,
      incidents: options.incidents,
      deliveries: arrivals.times.length,
      seconds,
      deliveriesPerSecond: arrivals.times.length / seconds,
      latencyMs: distribution(arrivals.times),
      cpuMsPerDelivery: (cpu * 1000) / arrivals.times.length,
    };
  } finally {
    await set.stop().catch(() => undefined);
    hooks.close();
    hooks.closeAllConnections();
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
    await installation.cleanup();
  }
}

export async function runNotifierPaging(ctx: BenchContext): Promise<PagingReport> {
  const options = readOptions();
  const runs: PagingRun[] = [];
  for (let round = 1; round <= options.rounds; round += 1) {
    for (const replicas of options.replicas) {
      progress(
        `round ${round}/${options.rounds}: ${fmtInt(options.incidents)} incidents at ${options.rate}/s, ${replicas} notifier(s)`,
      );
      const run = await runOnce(ctx, options, replicas, round);
      progress(
        `  ${fmtInt(run.deliveriesPerSecond)} deliveries/s, opened → sent p50 ${fmtMs(run.latencyMs.p50)} ms, ` +
          `p99 ${fmtMs(run.latencyMs.p99)} ms; notifier CPU ${fmtFixed(run.cpuMsPerDelivery, 2)} ms/delivery`,
      );
      runs.push(run);
    }
  }
  return { options, runs };
}

export function renderPagingReport(report: PagingReport): string {
  const { options, runs } = report;
  const rows: string[][] = [
    ['run', 'deliveries/s', 'opened → sent p50 ms', 'p99 ms', 'max ms', 'notifier CPU ms/delivery'],
    ...runs.map((r) => [
      `round ${r.round}, ${r.replicas} notifier(s)`,
      fmtInt(r.deliveriesPerSecond),
      fmtMs(r.latencyMs.p50),
      fmtMs(r.latencyMs.p99),
      fmtMs(r.latencyMs.max),
      fmtFixed(r.cpuMsPerDelivery, 2),
    ]),
  ];
  const medians = options.replicas.map((n) => {
    const mine = runs.filter((r) => r.replicas === n);
    return `${n} notifier(s): median ${fmtInt(median(mine.map((r) => r.deliveriesPerSecond)))} deliveries/s, p50 ${fmtMs(
      median(mine.map((r) => r.latencyMs.p50)),
    )} ms, p99 ${fmtMs(median(mine.map((r) => r.latencyMs.p99)))} ms`;
  });
  return [
    '== notifier-paging ==',
    `${fmtInt(options.incidents)} incidents opened at ${fmtInt(options.rate)}/s against one policy paging ${PEOPLE} people by email (SMTP) and webhook: ${fmtInt(options.incidents * PEOPLE * METHODS_PER_PERSON)} deliveries per run`,
    '',
    table(rows),
    '',
    ...medians,
  ].join('\n');
}
