import { APP_NAMES, type AppName } from '@tocsin/config';
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { freePort } from './ports';

const ROOT = resolve(__dirname, '../../..');

/** The port setting of each app. */
const PORT_SETTING: Record<AppName, string> = {
  ingest: 'INGEST_PORT',
  normalize: 'NORMALIZE_PORT',
  'incident-state': 'INCIDENT_STATE_PORT',
  'deploy-tracker': 'DEPLOY_TRACKER_PORT',
  notifier: 'NOTIFIER_PORT',
  api: 'API_PORT',
};

export interface RunningService {
  app: AppName;
  /** 0 for the first process of an app, 1 for the second, … */
  replica: number;
  /** `app` for the first replica, `app-2`, `app-3`, … for the others. */
  name: string;
  port: number;
  url: string;
  process: ChildProcess;
}

/** The name of one replica of an app: `normalize`, `normalize-2`, … */
export function replicaName(app: AppName, replica = 0): string {
  return replica === 0 ? app : `${app}-${replica + 1}`;
}

/**
 * The six services as separate processes from dist/ (built by `npm test` first), each on a free
 * port, for one isolated installation; an app may run as several replicas sharing its consumers.
 * Logs go to tmp/logs/<prefix>/<name>.log. `services` is keyed by replica name (the app's name for
 * its first replica).
 */
export class ServiceFleet {
  readonly services = new Map<string, RunningService>();
  private readonly ports = new Map<string, number>();
  readonly logDir: string;

  constructor(
    private readonly env: Record<string, string>,
    prefix: string,
  ) {
    this.logDir = join(ROOT, 'tmp/logs', prefix);
    mkdirSync(this.logDir, { recursive: true });
  }

  static entry(app: AppName): string {
    const path = join(ROOT, 'dist/apps', app, 'src/main.js');
    if (!existsSync(path))
      throw new Error(`${path} is missing: run \`node tools/build.mjs\` (npm test does) first`);
    return path;
  }

  url(app: AppName, replica = 0): string {
    const service = this.services.get(replicaName(app, replica));
    if (!service) throw new Error(`${replicaName(app, replica)} is not running`);
    return service.url;
  }

  /** The running replicas of an app. */
  replicas(app: AppName): RunningService[] {
    return [...this.services.values()].filter((s) => s.app === app).sort((a, b) => a.replica - b.replica);
  }

  /**
   * Starts each app, as `replicas[app]` processes (one by default): the first replica of each
   * (which runs its migrations) before the others.
   */
  async startAll(
    apps: readonly AppName[] = APP_NAMES,
    replicas: Partial<Record<AppName, number>> = {},
  ): Promise<void> {
    await Promise.all(apps.map((app) => this.start(app)));
    await Promise.all(
      apps.flatMap((app) =>
        Array.from({ length: Math.max(0, (replicas[app] ?? 1) - 1) }, (_, i) => this.start(app, {}, i + 1)),
      ),
    );
  }

  /** Starts one replica of an app; a replica started again keeps its port. */
  async start(app: AppName, extraEnv: Record<string, string> = {}, replica = 0): Promise<RunningService> {
    const name = replicaName(app, replica);
    let port = this.ports.get(name);
    if (port === undefined) {
      port = await freePort();
      this.ports.set(name, port);
    }
    const log = createWriteStream(join(this.logDir, `${name}.log`), { flags: 'a' });
    const child = spawn(process.execPath, [ServiceFleet.entry(app)], {
      cwd: ROOT,
      env: { ...process.env, ...this.env, ...extraEnv, [PORT_SETTING[app]]: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    const service = { app, replica, name, port, url: `http://127.0.0.1:${port}`, process: child };
    this.services.set(name, service);
    await this.waitReady(service);
    return service;
  }

  private async waitReady(service: RunningService, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (service.process.exitCode !== null) {
        throw new Error(
          `${service.name} exited with ${service.process.exitCode}; see ${this.logDir}/${service.name}.log`,
        );
      }
      try {
        const response = await fetch(`${service.url}/readyz`, { signal: AbortSignal.timeout(1_000) });
        if (response.status === 200) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(
      `${service.name} not ready after ${timeoutMs} ms; see ${this.logDir}/${service.name}.log`,
    );
  }

  /**
   * Sends a signal to one replica and waits for the process to exit. One that has not exited
   * STOP_GRACE_MS later is killed, and the end of its log is printed: a service that does not stop
   * when asked is a defect to find, not a reason for the suite to hang. The answer is then null, as
   * for any process that ended by a signal, so a test that expects a clean exit still fails.
   */
  async stop(app: AppName, signal: NodeJS.Signals = 'SIGTERM', replica = 0): Promise<number | null> {
    const name = replicaName(app, replica);
    const service = this.services.get(name);
    if (!service || service.process.exitCode !== null || service.process.signalCode !== null)
      return service?.process.exitCode ?? null;
    const exited = new Promise<number | null>((resolve) =>
      service.process.once('exit', (code) => resolve(code)),
    );
    service.process.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), STOP_GRACE_MS);
    });
    let code = await Promise.race([exited, late]);
    clearTimeout(timer);
    if (code === 'late') {
      const logFile = join(this.logDir, `${name}.log`);
      process.stderr.write(
        `${name} (pid ${service.process.pid}) did not exit within ${STOP_GRACE_MS / 1000} s of ${signal}; ` +
          `killing it. The end of ${logFile}:\n${tailOf(logFile)}\n`,
      );
      service.process.kill('SIGKILL');
      code = await exited;
    }
    this.services.delete(name);
    return code;
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.services.values()].map((s) => this.stop(s.app, 'SIGTERM', s.replica)));
  }
}

/** How long a service may take to exit after a signal before it is killed. */
const STOP_GRACE_MS = 30_000;

/** The last lines of a log, for a report. */
function tailOf(file: string, lines = 40): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch (error) {
    return `(unreadable: ${(error as Error).message})`;
  }
}
