import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './replicas';

/** Where Debian's `prometheus-alertmanager` package puts the program. */
export const ALERTMANAGER_BINARY = '/usr/bin/prometheus-alertmanager';

/**
 * One Prometheus Alertmanager, the peer the ingest benchmark compares with: a child process on a
 * free port, with a temporary storage path, clustering off and a configuration whose one route
 * goes to a receiver that sends nothing (so only the receiving side works, as with ingest).
 */
export class Alertmanager {
  private constructor(
    readonly port: number,
    readonly process: ChildProcess,
    private readonly dir: string,
    readonly log: string,
    readonly version: string,
  ) {}

  static async start(binary: string, logDir: string, timeoutMs = 30_000): Promise<Alertmanager> {
    if (!existsSync(binary)) {
      throw new Error(
        `${binary} is missing: install Debian's prometheus-alertmanager, or set BENCH_ALERTMANAGER`,
      );
    }
    const version = await new Promise<string>((resolve) => {
      const child = spawn(binary, ['--version'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let text = '';
      child.stdout.on('data', (c: Buffer) => (text += c.toString()));
      child.stderr.on('data', (c: Buffer) => (text += c.toString()));
      child.on('close', () => resolve(/version (\S+)/.exec(text)?.[1] ?? 'unknown'));
    });
    const dir = mkdtempSync(join(tmpdir(), 'tocsin-bench-alertmanager-'));
    const config = join(dir, 'alertmanager.yml');
    writeFileSync(
      config,
      ['route:', '  receiver: nowhere', 'receivers:', '  - name: nowhere', ''].join('\n'),
    );
    mkdirSync(logDir, { recursive: true });
    const log = join(logDir, 'alertmanager.log');
    const out = createWriteStream(log, { flags: 'a' });
    const port = await freePort();
    const child = spawn(
      binary,
      [
        `--config.file=${config}`,
        `--storage.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--cluster.listen-address=',
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout.pipe(out);
    child.stderr.pipe(out);
    const am = new Alertmanager(port, child, dir, log, version);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`alertmanager exited (${child.exitCode}); see ${log}`);
      try {
        const response = await fetch(`${am.url}/-/ready`, { signal: AbortSignal.timeout(1_000) });
        if (response.status === 200) return am;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await am.stop();
    throw new Error(`alertmanager not ready after ${timeoutMs} ms; see ${log}`);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  async stop(): Promise<void> {
    if (this.process.exitCode === null && this.process.signalCode === null) {
      const closed = new Promise((resolve) => this.process.once('close', resolve));
      this.process.kill('SIGTERM');
      const timer = setTimeout(() => this.process.kill('SIGKILL'), 10_000);
      await closed;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
