import { APP_NAMES, type AppName } from '@tocsin/config';
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
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
  port: number;
  url: string;
  process: ChildProcess;
}

/**
 * The six services as separate processes from dist/ (built by `npm test` first), each on a free
 * port, for one isolated installation. Logs go to tmp/logs/<prefix>/<app>.log.
 */
export class ServiceFleet {
  readonly services = new Map<AppName, RunningService>();
  private readonly ports = new Map<AppName, number>();
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

  url(app: AppName): string {
    const service = this.services.get(app);
    if (!service) throw new Error(`${app} is not running`);
    return service.url;
  }

  async startAll(apps: readonly AppName[] = APP_NAMES): Promise<void> {
    await Promise.all(apps.map((app) => this.start(app)));
  }

  async start(app: AppName, extraEnv: Record<string, string> = {}): Promise<RunningService> {
    let port = this.ports.get(app);
    if (port === undefined) {
      port = await freePort();
      this.ports.set(app, port);
    }
    const log = createWriteStream(join(this.logDir, `${app}.log`), { flags: 'a' });
    const child = spawn(process.execPath, [ServiceFleet.entry(app)], {
      cwd: ROOT,
      env: { ...process.env, ...this.env, ...extraEnv, [PORT_SETTING[app]]: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    const service = { app, port, url: `http://127.0.0.1:${port}`, process: child };
    this.services.set(app, service);
    await this.waitReady(service);
    return service;
  }

  private async waitReady(service: RunningService, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (service.process.exitCode !== null) {
        throw new Error(
          `${service.app} exited with ${service.process.exitCode}; see ${this.logDir}/${service.app}.log`,
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
    throw new Error(`${service.app} not ready after ${timeoutMs} ms; see ${this.logDir}/${service.app}.log`);
  }

  /** Sends a signal and waits for the process to exit. */
  async stop(app: AppName, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    const service = this.services.get(app);
    if (!service || service.process.exitCode !== null || service.process.signalCode !== null)
      return service?.process.exitCode ?? null;
    const exited = new Promise<number | null>((resolve) =>
      service.process.once('exit', (code) => resolve(code)),
    );
    service.process.kill(signal);
    const code = await exited;
    this.services.delete(app);
    return code;
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.services.keys()].map((app) => this.stop(app)));
  }
}
