import { Injectable } from '@nestjs/common';
import { DeployTrackerSettings } from '@tocsin/config';
import {
  aliasKey,
  type CreateServiceRequest,
  type Page,
  type PageQuery,
  type ServiceView,
  type UpdateServiceRequest,
} from '@tocsin/contracts';
import { RpcFailure, uuidv7 } from '@tocsin/messaging';
import { decodeCursor, encodeCursor } from '@tocsin/persistence';
import { DataSource, type EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { TABLES, uniqueViolation } from '../tables';
import { AliasIndexService } from './alias-index.service';
import { AliasLinks } from './alias-links.repository';
import { Service } from './service.entity';
import { toServiceView } from './service.view';

/** The fields a new service takes, with its aliases (the name among them). */
export type NewService = Omit<CreateServiceRequest, 'aliases'> & { aliases: string[] };

/**
 * The service catalog. A service's name is always one of its aliases; every alias belongs to one
 * service. Giving a service an alias links what was recorded under it before (AliasLinks).
 */
@Injectable()
export class ServicesService {
  readonly windowMs: number;

  constructor(
    private readonly dataSource: DataSource,
    private readonly index: AliasIndexService,
    settings: DeployTrackerSettings,
  ) {
    this.windowMs = settings.DEPLOY_SUSPECT_WINDOW_MINUTES * 60_000;
  }

  async create(request: CreateServiceRequest): Promise<ServiceView> {
    const aliases = [request.name, ...(request.aliases ?? [])];
    const id = await this.inCatalogTransaction(async (em, links) => {
      await links.lock(aliases);
      return this.insert(em, links, { ...request, aliases });
    });
    return this.get(id);
  }

  /** Inserts a service and gives it its aliases, inside a catalog transaction. */
  async insert(em: EntityManager, links: AliasLinks, fields: NewService): Promise<string> {
    const id = uuidv7();
    try {
      await em.getRepository(Service).insert({
        id,
        name: fields.name,
        nameKey: aliasKey(fields.name),
        teamId: fields.teamId ?? null,
        escalationPolicyId: fields.escalationPolicyId ?? null,
        description: fields.description ?? null,
        links: fields.links ?? [],
      });
    } catch (error) {
      if (uniqueViolation(error) === 'uq_services_name_key') throw nameTaken(fields.name);
      throw error;
    }
    for (const alias of distinctAliases(fields.aliases)) await links.link(id, alias);
    return id;
  }

  async update(request: UpdateServiceRequest): Promise<ServiceView> {
    await this.inCatalogTransaction(async (em, links) => {
      const before = (await this.aliasesOf(em, [request.id])).get(request.id) ?? [];
      await links.lock([
        ...before,
        ...(request.aliases ?? []),
        ...(request.name !== undefined ? [request.name] : []),
      ]);
      const current = await em
        .getRepository(Service)
        .createQueryBuilder('s')
        .setLock('pessimistic_write')
        .where('s.id = :id', { id: request.id })
        .getOne();
      if (!current) throw RpcFailure.notFound('service', request.id);
      const changes: QueryDeepPartialEntity<Service> = { updatedAt: () => 'now()' };
      if (request.name !== undefined) {
        changes.name = request.name;
        changes.nameKey = aliasKey(request.name);
      }
      if (request.teamId !== undefined) changes.teamId = request.teamId;
      if (request.escalationPolicyId !== undefined) changes.escalationPolicyId = request.escalationPolicyId;
      if (request.description !== undefined) changes.description = request.description;
      if (request.links !== undefined) changes.links = request.links;
      try {
        await em.getRepository(Service).update({ id: current.id }, changes);
      } catch (error) {
        if (uniqueViolation(error) === 'uq_services_name_key') throw nameTaken(request.name ?? current.name);
        throw error;
      }
      const name = request.name ?? current.name;
      const existing = await this.aliasesOf(em, [current.id]);
      const have = existing.get(current.id) ?? [];
      if (request.aliases !== undefined) {
        const wanted = distinctAliases([name, ...request.aliases]);
        const wantedKeys = new Set(wanted.map(aliasKey));
        for (const alias of have) if (!wantedKeys.has(aliasKey(alias))) await links.unlink(alias);
        for (const alias of wanted) await links.link(current.id, alias);
      } else if (request.name !== undefined) {
        await links.link(current.id, name);
      }
    });
    return this.get(request.id);
  }

  /**
   * Removes a service and its aliases. Its deploys and incidents stay, without a service; later
   * deploys under its aliases become suggestions again.
   */
  async remove(id: string): Promise<void> {
    await this.inCatalogTransaction(async (em, links) => {
      const aliases = (await this.aliasesOf(em, [id])).get(id) ?? [];
      await links.lock(aliases);
      const found: unknown[] = await em.query(`SELECT 1 FROM ${TABLES.services} WHERE "id" = $1 FOR UPDATE`, [
        id,
      ]);
      if (found.length === 0) throw RpcFailure.notFound('service', id);
      for (const alias of aliases) await links.unlink(alias);
      await em.query(`UPDATE ${TABLES.deploys} SET "service_id" = NULL WHERE "service_id" = $1`, [id]);
      await em.query(`UPDATE ${TABLES.incidents} SET "service_id" = NULL WHERE "service_id" = $1`, [id]);
      await em.query(`DELETE FROM ${TABLES.services} WHERE "id" = $1`, [id]);
    });
  }

  async get(id: string): Promise<ServiceView> {
    const service = await this.dataSource.getRepository(Service).findOneBy({ id });
    if (!service) throw RpcFailure.notFound('service', id);
    const aliases = await this.aliasesOf(this.dataSource.manager, [id]);
    return toServiceView(service, aliases.get(id) ?? []);
  }

  /** By name, A to Z. */
  async list(query: PageQuery): Promise<Page<ServiceView>> {
    const limit = query.limit ?? 50;
    const qb = this.dataSource
      .getRepository(Service)
      .createQueryBuilder('s')
      .orderBy('s.nameKey', 'ASC')
      .addOrderBy('s.id', 'ASC')
      .take(limit + 1);
    if (query.cursor) {
      const parts = decodeCursor(query.cursor);
      if (!parts || typeof parts[0] !== 'string' || typeof parts[1] !== 'string')
        throw RpcFailure.invalid(['cursor is not one this api handed out']);
      qb.where('(s.nameKey, s.id) > (:nameKey, :id)', { nameKey: parts[0], id: parts[1] });
    }
    const rows = await qb.getMany();
    const items = rows.slice(0, limit);
    const aliases = await this.aliasesOf(
      this.dataSource.manager,
      items.map((s) => s.id),
    );
    const last = items[items.length - 1];
    return {
      items: items.map((s) => toServiceView(s, aliases.get(s.id) ?? [])),
      nextCursor: rows.length > limit && last ? encodeCursor([last.nameKey, last.id]) : null,
    };
  }

  /** Runs a catalog change: the alias index lock taken first, its KV writes flushed last. */
  async inCatalogTransaction<T>(work: (em: EntityManager, links: AliasLinks) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(async (em) => {
      await this.index.lockForChange(em);
      const links = new AliasLinks(em, this.index, this.windowMs);
      const result = await work(em, links);
      await links.flushIndex();
      return result;
    });
  }

  async aliasesOf(em: EntityManager, ids: string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    if (ids.length === 0) return out;
    const rows: { serviceId: string; alias: string }[] = await em.query(
      `SELECT "service_id" AS "serviceId", "alias" FROM ${TABLES.aliases}
        WHERE "service_id" = ANY($1::uuid[]) ORDER BY "created_at", "alias_key"`,
      [ids],
    );
    for (const row of rows) out.set(row.serviceId, [...(out.get(row.serviceId) ?? []), row.alias]);
    return out;
  }
}

/** The aliases with one spelling per alias key, the first given kept. */
export function distinctAliases(aliases: string[]): string[] {
  const seen = new Map<string, string>();
  for (const alias of aliases) {
    const key = aliasKey(alias);
    if (key !== '' && !seen.has(key)) seen.set(key, alias.trim());
  }
  return [...seen.values()];
}

function nameTaken(name: string): RpcFailure {
  return new RpcFailure(409, 'name_taken', `a service named "${name}" exists already`);
}
