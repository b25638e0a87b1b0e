import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { KV } from '@nats-io/kv';
import { KV_BUCKETS, aliasIndexKey, type ServiceAliasEntryV1 } from '@tocsin/contracts';
import { JetStreamProvisioner } from '@tocsin/messaging';
import { PeriodicTask } from '@tocsin/platform';
import { PinoLogger } from 'nestjs-pino';
import { DataSource, type EntityManager } from 'typeorm';
import { TABLES } from '../tables';

/** How often each replica compares the bucket with the table and repairs the difference. */
export const ALIAS_INDEX_REPAIR_MS = 5 * 60_000;

/** Catalog changes share this lock; a rebuild of the bucket takes it alone. */
const INDEX_LOCK = 'tocsin-alias-index';

/**
 * Keeps the KV bucket that ingest watches (alias → service) equal to the `service_aliases` table.
 * A catalog change writes the bucket inside its own transaction, after its statements and before
 * its commit, holding INDEX_LOCK shared: if the bucket cannot be written the change fails and
 * nothing is committed. At start and every few minutes the bucket is compared with the table under
 * INDEX_LOCK exclusive, so no change is half-way through, and repaired.
 */
@Injectable()
export class AliasIndexService implements OnApplicationBootstrap, OnApplicationShutdown {
  private kv?: KV;
  private readonly repair = new PeriodicTask(
    async () => {
      await this.rebuild();
    },
    (error) => this.logger.warn({ err: error }, 'alias index repair failed; retrying at the next interval'),
  );

  constructor(
    private readonly provisioner: JetStreamProvisioner,
    private readonly dataSource: DataSource,
    private readonly logger: PinoLogger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const changed = await this.rebuild();
    this.logger.info({ changed }, 'alias index in step with the table');
    this.repair.start(ALIAS_INDEX_REPAIR_MS);
  }

  onApplicationShutdown(): Promise<void> {
    return this.repair.stop();
  }

  private async bucket(): Promise<KV> {
    this.kv ??= await this.provisioner.ensureKv(KV_BUCKETS.serviceAliases);
    return this.kv;
  }

  /** Called first in every transaction that changes aliases. */
  async lockForChange(em: EntityManager): Promise<void> {
    await em.query('SELECT pg_advisory_xact_lock_shared(hashtext($1))', [INDEX_LOCK]);
  }

  /** Inside the changing transaction, last before its commit. */
  async put(alias: string, serviceId: string): Promise<void> {
    const entry: ServiceAliasEntryV1 = { serviceId, alias };
    await (await this.bucket()).put(aliasIndexKey(alias), JSON.stringify(entry));
  }

  async remove(alias: string): Promise<void> {
    await (await this.bucket()).delete(aliasIndexKey(alias));
  }

  /** Makes the bucket equal to the table; answers how many keys it wrote or deleted. */
  async rebuild(): Promise<number> {
    const kv = await this.bucket();
    return this.dataSource.transaction(async (em) => {
      await em.query('SELECT pg_advisory_xact_lock(hashtext($1))', [INDEX_LOCK]);
      const rows: { alias: string; serviceId: string }[] = await em.query(
        `SELECT "alias", "service_id" AS "serviceId" FROM ${TABLES.aliases}`,
      );
      const wanted = new Map(rows.map((r) => [aliasIndexKey(r.alias), r]));
      let changed = 0;
      const present = new Set<string>();
      for await (const key of await kv.keys()) present.add(key);
      for (const key of present) {
        if (!wanted.has(key)) {
          await kv.delete(key);
          changed++;
        }
      }
      for (const [key, row] of wanted) {
        const current = present.has(key) ? await kv.get(key) : null;
        const entry = current && current.operation === 'PUT' ? current.json<ServiceAliasEntryV1>() : null;
        if (entry?.serviceId === row.serviceId && entry.alias === row.alias) continue;
        await kv.put(
          key,
          JSON.stringify({ serviceId: row.serviceId, alias: row.alias } satisfies ServiceAliasEntryV1),
        );
        changed++;
      }
      return changed;
    });
  }
}
