import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { processCpuSeconds } from './machine';

export interface Replica {
  index: number;
  port: number;
  process: ChildProcess;
  log: string;
  /** Settles once the process has exited and its output is written to the log. */
  closed: Promise<void>;
}

/** A TCP port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Copies of one Tocsin service as processes from a build (`<dist>/apps/<app>/src/main.js`), run in
 * the workspace, each on its own health port, sharing the installation's settings. Each process's
 * output goes to `<logDir>/<app>-<n>.log`.
 */
export class ReplicaSet {
  readonly replicas: Replica[] = [];

  constructor(
    private readonly root: string,
    private readonly dist: string,
    private readonly app: string,
    private readonly portSetting: string,
    private readonly env: Record<string, string>,
    readonly logDir: string,
    /** Node options given to each process before its entry file (for example `--cpu-prof`). */
    private readonly nodeArgs: string[] = [],
    /** Another program than the app's `main.js` (a server of the bench's own), by absolute path. */
    private readonly entryFile?: string,
  ) {}

  entry(): string {
    const path = this.entryFile ?? join(this.dist, 'apps', this.app, 'src/main.js');
    if (!existsSync(path)) throw new Error(`${path} is missing: build first (\`node tools/build.mjs\`)`);
    return path;
  }

  /** Starts `count` processes together and resolves when every one answers /readyz with 200. */
  async start(count: number, timeoutMs = 90_000): Promise<void> {
    mkdirSync(this.logDir, { recursive: true });
    const entry = this.entry();
    for (let i = 0; i < count; i += 1) {
      const port = await freePort();
      const log = join(this.logDir, `${this.app}-${this.replicas.length + 1}.log`);
      const out = createWriteStream(log, { flags: 'a' });
      const child = spawn(process.execPath, [...this.nodeArgs, entry], {
        cwd: this.root,
        env: { ...process.env, ...this.env, [this.portSetting]: String(port) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout?.pipe(out, { end: false });
      child.stderr?.pipe(out, { end: false });
      const closed = new Promise<void>((resolve) => {
        let ended = false;
        const end = (): void => {
          if (ended) return;
          ended = true;
          out.end(resolve);
        };
        // 'close' comes after the process exited and both of its output streams ended.
        child.once('close', end);
        child.once('error', end);
      });
      this.replicas.push({ index: this.replicas.length + 1, port, process: child, log, closed });
    }
    await Promise.all(this.replicas.map((replica) => this.waitReady(replica, timeoutMs)));
  }

  private async waitReady(replica: Replica, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      this.assertRunning(replica);
      try {
        const response = await fetch(`http://127.0.0.1:${replica.port}/readyz`, {
          signal: AbortSignal.timeout(1_000),
        });
        if (response.status === 200) return;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`${this.app} #${replica.index} not ready after ${timeoutMs} ms; see ${replica.log}`);
  }

  private assertRunning(replica: Replica): void {
    const { exitCode, signalCode } = replica.process;
    if (exitCode !== null || signalCode !== null) {
      throw new Error(`${this.app} #${replica.index} exited (${signalCode ?? exitCode}); see ${replica.log}`);
    }
  }

  /** Throws when any process has exited. */
  assertAllRunning(): void {
    for (const replica of this.replicas) this.assertRunning(replica);
  }

  /**
   * Asks every process to stop (SIGTERM, SIGKILL after the grace time) and waits until each has
   * exited and its log is complete.
   */
  async stop(graceMs = 30_000): Promise<void> {
    await Promise.all(
      this.replicas.map(async (replica) => {
        const child = replica.process;
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
          await replica.closed;
          clearTimeout(timer);
        }
        await replica.closed;
      }),
    );
  }

  /** The Prometheus text of every process's /metrics. */
  async metrics(): Promise<string[]> {
    return Promise.all(
      this.replicas.map(async (replica) => {
        const response = await fetch(`http://127.0.0.1:${replica.port}/metrics`, {
          signal: AbortSignal.timeout(5_000),
        });
        return response.text();
      }),
    );
  }

  /** The process ids of the processes still running. */
  pids(): number[] {
    return this.replicas
      .filter(
        (r) => r.process.exitCode === null && r.process.signalCode === null && r.process.pid !== undefined,
      )
      .map((r) => r.process.pid as number);
  }

  /** CPU seconds (user + system) the processes have used so far, together. */
  cpuSeconds(): number {
    return this.replicas.reduce((sum, r) => sum + processCpuSeconds(r.process.pid), 0);
  }
}
