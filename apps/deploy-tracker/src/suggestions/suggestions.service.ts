import { Injectable } from '@nestjs/common';
import {
  aliasKey,
  type AcceptedSuggestionView,
  type AcceptSuggestionRequest,
  type ListSuggestionsRequest,
  type Page,
  type ServiceSuggestionView,
} from '@tocsin/contracts';
import { RpcFailure } from '@tocsin/messaging';
import { decodeCursor, encodeCursor } from '@tocsin/persistence';
import { DataSource, type EntityManager } from 'typeorm';
import { Service } from '../services/service.entity';
import { ServicesService } from '../services/services.service';
import { lockAlias, TABLES } from '../tables';
import { ServiceSuggestion } from './service-suggestion.entity';
import { toSuggestionView } from './suggestion.view';

/**
 * Aliases that deploys used and no service has. Accepting one creates a service for it, or gives it
 * to an existing service, and links every deploy recorded under it; dismissing one hides it.
 */
@Injectable()
export class SuggestionsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly services: ServicesService,
  ) {}

  /** Most recently seen first; `open` ones unless asked otherwise. */
  async list(request: ListSuggestionsRequest): Promise<Page<ServiceSuggestionView>> {
    const limit = request.limit ?? 50;
    const qb = this.dataSource
      .getRepository(ServiceSuggestion)
      .createQueryBuilder('s')
      .where('s.status = :status', { status: request.status ?? 'open' })
      .orderBy('s.lastSeenAt', 'DESC')
      .addOrderBy('s.id', 'DESC')
      .take(limit + 1);
    if (request.cursor) {
      const parts = decodeCursor(request.cursor);
      if (
        !parts ||
        typeof parts[0] !== 'string' ||
        typeof parts[1] !== 'string' ||
        isNaN(Date.parse(parts[0]))
      )
        throw RpcFailure.invalid(['cursor is not one this api handed out']);
      qb.andWhere('(s.lastSeenAt, s.id) < (:seen, :id)', { seen: parts[0], id: parts[1] });
    }
    const rows = await qb.getMany();
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return {
      items: items.map(toSuggestionView),
      nextCursor: rows.length > limit && last ? encodeCursor([last.lastSeenAt.toISOString(), last.id]) : null,
    };
  }

  async accept(request: AcceptSuggestionRequest): Promise<AcceptedSuggestionView> {
    if (request.serviceId !== undefined) {
      const extra = (['name', 'teamId', 'escalationPolicyId', 'description', 'links'] as const).filter(
        (field) => request[field] !== undefined,
      );
      if (extra.length > 0) {
        throw RpcFailure.invalid([
          `${extra.join(', ')}: only for a new service; with serviceId the alias joins that service as it is`,
        ]);
      }
    }
    const { serviceId, linkedDeploys } = await this.services.inCatalogTransaction(async (em, links) => {
      const suggestion = await this.lockedSuggestion(em, request.id, (alias) =>
        links.lock([alias, ...(request.name !== undefined ? [request.name] : [])]),
      );
      if (suggestion.status === 'accepted') {
        throw new RpcFailure(
          409,
          'already_accepted',
          `the suggestion "${suggestion.alias}" was accepted already (service ${suggestion.serviceId ?? 'since removed'})`,
        );
      }
      if (request.serviceId !== undefined) {
        const target = await em.getRepository(Service).findOneBy({ id: request.serviceId });
        if (!target) throw RpcFailure.notFound('service', request.serviceId);
        return { serviceId: target.id, linkedDeploys: await links.link(target.id, suggestion.alias) };
      }
      const name = request.name ?? suggestion.alias;
      const before: { count: number }[] = await em.query(
        `SELECT count(*)::int AS "count" FROM ${TABLES.deploys} WHERE "alias_key" = $1 AND "service_id" IS NULL`,
        [suggestion.aliasKey],
      );
      const id = await this.services.insert(em, links, {
        name,
        aliases: [name, suggestion.alias],
        ...(request.teamId !== undefined ? { teamId: request.teamId } : {}),
        ...(request.escalationPolicyId !== undefined
          ? { escalationPolicyId: request.escalationPolicyId }
          : {}),
        ...(request.description !== undefined ? { description: request.description } : {}),
        ...(request.links !== undefined ? { links: request.links } : {}),
      });
      return { serviceId: id, linkedDeploys: before[0]?.count ?? 0 };
    });
    const suggestion = await this.dataSource
      .getRepository(ServiceSuggestion)
      .findOneByOrFail({ id: request.id });
    return {
      suggestion: toSuggestionView(suggestion),
      service: await this.services.get(serviceId),
      linkedDeploys,
    };
  }

  /** Hides an open suggestion; dismissing a dismissed one changes nothing. */
  async dismiss(id: string): Promise<ServiceSuggestionView> {
    return this.dataSource.transaction(async (em) => {
      const suggestion = await this.lockedSuggestion(em, id, (alias) => lockAlias(em, aliasKey(alias)));
      if (suggestion.status === 'accepted') {
        throw new RpcFailure(
          409,
          'already_accepted',
          `the suggestion "${suggestion.alias}" was accepted already`,
        );
      }
      if (suggestion.status === 'open') {
        await em
          .getRepository(ServiceSuggestion)
          .update({ id }, { status: 'dismissed', resolvedAt: () => 'now()' });
      }
      return toSuggestionView(await em.getRepository(ServiceSuggestion).findOneByOrFail({ id }));
    });
  }

  /**
   * The suggestion, locked. Its alias is locked first (by `lockAliases`), as recording a deploy
   * does, so the two never wait on each other in opposite order.
   */
  private async lockedSuggestion(
    em: EntityManager,
    id: string,
    lockAliases: (alias: string) => Promise<void>,
  ): Promise<ServiceSuggestion> {
    const repository = em.getRepository(ServiceSuggestion);
    const found = await repository.findOneBy({ id });
    if (!found) throw RpcFailure.notFound('suggestion', id);
    await lockAliases(found.alias);
    return repository
      .createQueryBuilder('s')
      .setLock('pessimistic_write')
      .where('s.id = :id', { id })
      .getOneOrFail();
  }
}
