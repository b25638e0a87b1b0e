import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { STREAMS, type StreamKey } from '@tocsin/contracts';
import { JetStreamProvisioner, Naming } from '@tocsin/messaging';
import { dropDatabase, ensureDatabase } from '@tocsin/persistence';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** Counters of one database since it was created. */
export interface DatabaseActivity {
  commits: number;
  rollbacks: number;
  inserted: number;
  updated: number;
  deleted: number;
  fetched: number;
}

export interface BackboneSettings {
  natsUrl: string;
  /** PostgreSQL server URL without a database; each installation creates its own database there. */
  databaseServer: string;
}

/**
 * One throw-away Tocsin installation: its own subject prefix (so its own streams, consumers and
 * buckets) and its own database, with Tocsin's streams created up front. `cleanup()` removes both.
 */
export class BenchInstallation {
  readonly prefix: string;
  readonly databaseUrl: string;
  readonly naming: Naming;

  private constructor(
    readonly nc: NatsConnection,
    readonly jsm: JetStreamManager,
    readonly settings: BackboneSettings,
  ) {
    const id = randomBytes(4).toString('hex');
    this.prefix = `b${id}`;
    this.databaseUrl = `${settings.databaseServer.replace(/\/+$/, '')}/tocsin_bench_${id}`;
    this.naming = new Naming(this.prefix);
  }

  static async create(settings: BackboneSettings): Promise<BenchInstallation> {
    const nc = await connect({ servers: settings.natsUrl.split(','), timeout: 5_000 });
    let installation: BenchInstallation | undefined;
    try {
      installation = new BenchInstallation(nc, await jetstreamManager(nc, { timeout: 30_000 }), settings);
      await ensureDatabase(installation.databaseUrl);
      await new JetStreamProvisioner(nc, installation.naming, 1).ensureAllStreams();
      return installation;
    } catch (error) {
      if (installation) await installation.cleanup().catch(() => undefined);
      else await nc.close();
      throw error;
    }
  }

  streamName(key: StreamKey): string {
    return this.naming.stream(STREAMS[key]);
  }

  async streamMessages(key: StreamKey): Promise<number> {
    return (await this.jsm.streams.info(this.streamName(key))).state.messages;
  }

  /**
   * The database's activity counters (pg_stat_database). Backends report them at the end of a
   * transaction at most once a second, and when they exit; read them after the services stopped.
   */
  async databaseActivity(): Promise<DatabaseActivity> {
    const pg = new Client({ connectionString: this.databaseUrl, connectionTimeoutMillis: 5_000 });
    await pg.connect();
    try {
      const { rows } = await pg.query<Record<keyof DatabaseActivity, string>>(
        `SELECT xact_commit AS commits, xact_rollback AS rollbacks, tup_inserted AS inserted,
                tup_updated AS updated, tup_deleted AS deleted, tup_fetched AS fetched
           FROM pg_stat_database WHERE datname = current_database()`,
      );
      const row = rows[0];
      return {
        commits: Number(row.commits),
        rollbacks: Number(row.rollbacks),
        inserted: Number(row.inserted),
        updated: Number(row.updated),
        deleted: Number(row.deleted),
        fetched: Number(row.fetched),
      };
    } finally {
      await pg.end();
    }
  }

  /** Deletes every stream and KV bucket of the prefix and drops the database; then disconnects. */
  async cleanup(): Promise<void> {
    const problems: string[] = [];
    try {
      const names: string[] = [];
      for await (const name of this.jsm.streams.names()) names.push(name);
      for (const name of names) {
        if (name.startsWith(`${this.prefix}-`) || name.startsWith(`KV_${this.prefix}-`)) {
          await this.jsm.streams.delete(name);
        }
      }
    } catch (error) {
      problems.push(`streams of ${this.prefix}: ${(error as Error).message}`);
    }
    try {
      await dropDatabase(this.databaseUrl);
    } catch (error) {
      problems.push(`database ${this.databaseUrl}: ${(error as Error).message}`);
    }
    await this.nc.close().catch(() => undefined);
    if (problems.length > 0) throw new Error(`cleanup left things behind: ${problems.join('; ')}`);
  }
}
