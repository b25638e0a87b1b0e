import { aliasKey } from '@tocsin/contracts';
import { RpcFailure } from '@tocsin/messaging';
import type { EntityManager } from 'typeorm';
import { SuspectLinks } from '../incidents/suspect-links.repository';
import { lockAlias, returning, TABLES } from '../tables';
import type { AliasIndexService } from './alias-index.service';

/**
 * Giving an alias to a service, or taking it away, inside a catalog transaction. Giving it links
 * everything that waited under the alias: its suggestion is accepted, the deploys and incidents
 * recorded under it get the service, and their suspect links are made. Each alias is locked for the
 * transaction, so a deploy recorded at the same moment is either linked here or finds the alias.
 * The caller has taken AliasIndexService.lockForChange; the KV index is written by flushIndex(),
 * last before the commit.
 */
export class AliasLinks {
  private readonly puts = new Map<string, { alias: string; serviceId: string }>();
  private readonly removals = new Map<string, string>();

  constructor(
    private readonly em: EntityManager,
    private readonly index: AliasIndexService,
    private readonly windowMs: number,
  ) {}

  /**
   * Locks every alias a change will touch, in one order, before the change locks any row: recording
   * a deploy locks its alias and then its service's row, so a change that locked a row first and an
   * alias after could wait on a deploy that waits on it.
   */
  async lock(aliases: string[]): Promise<void> {
    const keys = [...new Set(aliases.map(aliasKey))].sort();
    for (const key of keys) await lockAlias(this.em, key);
  }

  /** Answers how many deploys recorded under the alias before got the service now. */
  async link(serviceId: string, alias: string): Promise<number> {
    const key = aliasKey(alias);
    await lockAlias(this.em, key);
    const owners: { serviceId: string; alias: string }[] = await this.em.query(
      `SELECT "service_id" AS "serviceId", "alias" FROM ${TABLES.aliases} WHERE "alias_key" = $1`,
      [key],
    );
    const owner = owners[0];
    if (owner && owner.serviceId !== serviceId) {
      throw new RpcFailure(
        409,
        'alias_taken',
        `the alias "${alias}" belongs to service ${owner.serviceId} already`,
      );
    }
    if (!owner) {
      await this.em.query(
        `INSERT INTO ${TABLES.aliases} ("alias_key", "alias", "service_id") VALUES ($1, $2, $3)`,
        [key, alias, serviceId],
      );
      this.puts.set(key, { alias, serviceId });
      this.removals.delete(key);
    }
    const accepted = await returning<{ last: string }>(
      this.em,
      `UPDATE ${TABLES.suggestions}
          SET "status" = 'accepted', "service_id" = $2, "resolved_at" = now()
        WHERE "alias_key" = $1 AND "status" <> 'accepted'
        RETURNING "last_deploy_number" AS "last"`,
      [key, serviceId],
    );
    if (accepted[0]) {
      // The alias's own sequence continues in the service's.
      await this.em.query(
        `UPDATE ${TABLES.services} SET "last_deploy_number" = GREATEST("last_deploy_number", $2::bigint) WHERE "id" = $1`,
        [serviceId, accepted[0].last],
      );
    }
    const deploys = await returning<{ id: string }>(
      this.em,
      `UPDATE ${TABLES.deploys} SET "service_id" = $2 WHERE "alias_key" = $1 AND "service_id" IS NULL RETURNING "id"`,
      [key, serviceId],
    );
    const incidents = await returning<{ id: string }>(
      this.em,
      `UPDATE ${TABLES.incidents} SET "service_id" = $2 WHERE "alias_key" = $1 AND "service_id" IS NULL RETURNING "id"`,
      [key, serviceId],
    );
    const links = new SuspectLinks(this.em, this.windowMs);
    await links.forDeploys(deploys.map((d) => d.id));
    await links.forIncidents(incidents.map((i) => i.id));
    return deploys.length;
  }

  /**
   * Takes an alias from its service. Deploys and incidents keep the service they were matched to;
   * later deploys under the alias are suggestions again.
   */
  async unlink(alias: string): Promise<void> {
    const key = aliasKey(alias);
    await lockAlias(this.em, key);
    await this.em.query(`DELETE FROM ${TABLES.aliases} WHERE "alias_key" = $1`, [key]);
    await this.em.query(
      `UPDATE ${TABLES.suggestions} SET "status" = 'open', "service_id" = NULL, "resolved_at" = NULL
        WHERE "alias_key" = $1 AND "status" = 'accepted'`,
      [key],
    );
    this.puts.delete(key);
    this.removals.set(key, alias);
  }

  /** Writes the changed aliases to the KV index; call it last, inside the transaction. */
  async flushIndex(): Promise<void> {
    for (const alias of this.removals.values()) await this.index.remove(alias);
    for (const { alias, serviceId } of this.puts.values()) await this.index.put(alias, serviceId);
  }
}
