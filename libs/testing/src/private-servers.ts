import { connect } from '@nats-io/transport-node';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, createWriteStream, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort } from './ports';

const NATS_SERVER = process.env['NATS_SERVER_BIN'] ?? '/usr/sbin/nats-server';
const PG_BIN = process.env['PG_BIN'] ?? '/usr/lib/postgresql/15/bin';

/** Children still running when the test process ends are killed, and their directories removed. */
const live = new Set<{ kill(): void }>();
process.once('exit', () => {
  for (const server of live) server.kill();
});

async function until(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what} not ready after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * A nats-server of the test's own, with JetStream, on a free port and a store directory that
 * outlives restarts: a fault test may kill or restart it without touching the shared server.
 */
export class PrivateNats {
  port = 0;
  readonly storeDir = mkdtempSync(join(tmpdir(), 'tocsin-nats-'));
  private child?: ChildProcess;
  private readonly handle = { kill: () => this.killNow() };

  constructor(private readonly logFile?: string) {}

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(): Promise<this> {
    if (this.port === 0) this.port = await freePort();
    live.add(this.handle);
    const child = spawn(
      NATS_SERVER,
      ['-a', '127.0.0.1', '-p', String(this.port), '-js', '-sd', this.storeDir],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    if (this.logFile) {
      const log = createWriteStream(this.logFile, { flags: 'a' });
      child.stdout?.pipe(log);
      child.stderr?.pipe(log);
    } else {
      child.stdout?.resume();
      child.stderr?.resume();
    }
    this.child = child;
    await until(
      `nats-server on ${this.port}`,
      async () => {
        if (!this.running) throw new Error(`nats-server exited with ${child.exitCode}`);
        const nc = await connect({ servers: this.url, timeout: 1_000, reconnect: false });
        const jetstream = !!nc.info?.jetstream;
        await nc.close();
        return jetstream;
      },
      30_000,
    );
    return this;
  }

  /** SIGTERM lets the server flush and close its store; SIGKILL does not. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    child.kill(signal);
    await exited(child);
  }

  async restart(signal: NodeJS.Signals = 'SIGTERM', downMs = 0): Promise<void> {
    await this.stop(signal);
    if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs));
    await this.start();
  }

  /** Stops the server and removes its store. */
  async dispose(): Promise<void> {
    await this.stop('SIGKILL');
    live.delete(this.handle);
    rmSync(this.storeDir, { recursive: true, force: true });
  }

  private killNow(): void {
    if (this.running) this.child?.kill('SIGKILL');
    rmSync(this.storeDir, { recursive: true, force: true });
  }
}

/** The uid and gid to run PostgreSQL as: initdb and postgres refuse to run as root. */
function postgresOwner(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string): number => {
    const out = spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
    if (out.status !== 0) throw new Error('running as root needs an OS user "postgres" to run PostgreSQL');
    return Number(out.stdout.trim());
  };
  return { uid: id('-u'), gid: id('-g') };
}

/**
 * A PostgreSQL 15 cluster of the test's own (initdb in a temporary directory, trust auth, user
 * postgres) on a free port: a fault test may stop and restart it without touching the shared one.
 */
export class PrivatePostgres {
  port = 0;
  readonly dir = mkdtempSync(join(tmpdir(), 'tocsin-pg-'));
  private readonly dataDir = join(this.dir, 'data');
  private readonly owner = postgresOwner();
  private child?: ChildProcess;
  private initialized = false;
  private readonly handle = { kill: () => this.killNow() };

  constructor(
    private readonly logFile?: string,
    /** Extra `-c name=value` settings. */
    private readonly settings: Record<string, string> = {},
  ) {}

  /** The server's URL without a database: append `/<name>`. */
  get server(): string {
    return `postgres://postgres@127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(): Promise<this> {
    if (this.port === 0) this.port = await freePort();
    live.add(this.handle);
    if (!this.initialized) this.initdb();
    const settings = {
      listen_addresses: '127.0.0.1',
      max_connections: '300',
      ...this.settings,
    };
    const args = ['-D', this.dataDir, '-p', String(this.port), '-k', this.dir];
    for (const [name, value] of Object.entries(settings)) args.push('-c', `${name}=${value}`);
    const child = spawn(join(PG_BIN, 'postgres'), args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: this.dir,
      ...(this.owner ?? {}),
    });
    if (this.logFile) {
      const log = createWriteStream(this.logFile, { flags: 'a' });
      child.stdout?.pipe(log);
      child.stderr?.pipe(log);
    } else {
      child.stdout?.resume();
      child.stderr?.resume();
    }
    this.child = child;
    await until(
      `PostgreSQL on ${this.port}`,
      async () => {
        if (!this.running) throw new Error(`postgres exited with ${child.exitCode}`);
        const pg = new Client({
          connectionString: `${this.server}/postgres`,
          connectionTimeoutMillis: 1_000,
        });
        try {
          await pg.connect();
          await pg.query('SELECT 1');
          return true;
        } finally {
          await pg.end().catch(() => undefined);
        }
      },
      60_000,
    );
    return this;
  }

  /**
   * `fast` (SIGINT) rolls back open transactions and checkpoints; `immediate` (SIGQUIT) drops
   * everything and recovers from the WAL at the next start, as after a crash.
   */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    child.kill(mode === 'fast' ? 'SIGINT' : 'SIGQUIT');
    await exited(child);
  }

  async restart(mode: 'fast' | 'immediate' = 'fast', downMs = 0): Promise<void> {
    await this.stop(mode);
    if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs));
    await this.start();
  }

  /** Stops the server and removes the cluster. */
  async dispose(): Promise<void> {
    await this.stop('immediate');
    live.delete(this.handle);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private initdb(): void {
    mkdirSync(this.dataDir, { recursive: true });
    if (this.owner) {
      chownSync(this.dir, this.owner.uid, this.owner.gid);
      chownSync(this.dataDir, this.owner.uid, this.owner.gid);
    }
    const result = spawnSync(
      join(PG_BIN, 'initdb'),
      ['-D', this.dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync', '--no-instructions'],
      { encoding: 'utf8', cwd: this.dir, ...(this.owner ?? {}) },
    );
    if (result.status !== 0) throw new Error(`initdb failed: ${result.stderr || result.stdout}`);
    this.initialized = true;
  }

  private killNow(): void {
    if (this.running) this.child?.kill('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}
