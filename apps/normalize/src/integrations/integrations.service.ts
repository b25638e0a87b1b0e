import { Injectable } from '@nestjs/common';
import { NormalizeSettings } from '@tocsin/config';
import type { CreateIntegrationRequest, IntegrationView, Page, PageQuery } from '@tocsin/contracts';
import { RpcFailure, uuidv7 } from '@tocsin/messaging';
import { decodeCursor, encodeCursor } from '@tocsin/persistence';
import { DataSource, LessThan } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { IntegrationIndexService } from './integration-index.service';
import { Integration } from './integration.entity';
import { hashToken, newToken } from './token';

@Injectable()
export class IntegrationsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly index: IntegrationIndexService,
    private readonly settings: NormalizeSettings,
  ) {}

  private get repository() {
    return this.dataSource.getRepository(Integration);
  }

  async create(request: CreateIntegrationRequest): Promise<IntegrationView> {
    const token = newToken();
    const integration: Omit<Integration, 'createdAt' | 'updatedAt'> = {
      id: uuidv7(),
      name: request.name,
      kind: request.kind,
      template: request.template ?? null,
      enabled: true,
      tokenHash: hashToken(token),
      mapping: request.mapping ?? {},
      escalationPolicyId: null,
      serviceId: null,
    };
    // jsonb columns typed as records defeat TypeORM's deep-partial type; the shape is the entity's.
    await this.repository.insert(integration as unknown as QueryDeepPartialEntity<Integration>);
    const saved = await this.repository.findOneByOrFail({ id: integration.id });
    // ingest learns the token from the index; the integration is live once this resolves.
    await this.index.put(saved);
    return { ...this.view(saved), token };
  }

  async get(id: string): Promise<IntegrationView> {
    const integration = await this.repository.findOneBy({ id });
    if (!integration) throw RpcFailure.notFound('integration', id);
    return this.view(integration);
  }

  async list(query: PageQuery): Promise<Page<IntegrationView>> {
    const limit = query.limit ?? 50;
    let after: string | undefined;
    if (query.cursor) {
      const parts = decodeCursor(query.cursor);
      if (!parts || typeof parts[0] !== 'string')
        throw RpcFailure.invalid(['cursor is not one this api handed out']);
      after = parts[0];
    }
    const rows = await this.repository.find({
      where: after ? { id: LessThan(after) } : {},
      order: { id: 'DESC' },
      take: limit + 1,
    });
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return {
      items: items.map((i) => this.view(i)),
      nextCursor: rows.length > limit && last ? encodeCursor([last.id]) : null,
    };
  }

  view(i: Integration): IntegrationView {
    const path = i.kind === 'deploy' ? 'deploys' : 'hooks';
    return {
      id: i.id,
      name: i.name,
      kind: i.kind,
      template: i.template,
      enabled: i.enabled,
      // The URL holds the token, which is never stored: shown in full only when created.
      url: `${this.settings.TOCSIN_PUBLIC_URL.replace(/\/$/, '')}/${path}/{token}`,
      mapping: i.mapping,
      escalationPolicyId: i.escalationPolicyId,
      serviceId: i.serviceId,
      createdAt: i.createdAt.toISOString(),
    };
  }
}
