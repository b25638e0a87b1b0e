import { Injectable } from '@nestjs/common';
import { NormalizeSettings } from '@tocsin/config';
import type {
  CreateIntegrationRequest,
  IntegrationView,
  Page,
  PageQuery,
  UpdateIntegrationRequest,
} from '@tocsin/contracts';
import { RpcFailure, uuidv7 } from '@tocsin/messaging';
import { decodeCursor, encodeCursor } from '@tocsin/persistence';
import { DataSource, LessThan } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { InboundMessage } from '../inbound/inbound-message.entity';
import { effectivePolicy, policyChanges } from './incident-policy';
import { IntegrationIndexService } from './integration-index.service';
import { Integration } from './integration.entity';
import { MappingsService } from './mappings.service';
import { hashToken, newToken } from './token';

/** How long the debug switch keeps every header before it turns itself off. */
export const DEBUG_WINDOW_MS = 48 * 60 * 60 * 1000;

// jsonb columns typed as records defeat TypeORM's deep-partial type; the shapes are the entity's.
type Row = QueryDeepPartialEntity<Integration>;

/**
 * Integrations: the table is the truth, the KV index ingest reads follows it. Every change is
 * written to the table first and to the index after, so ingest sees it within a second; a change
 * the index missed is repaired when normalize starts (IntegrationIndexService).
 */
@Injectable()
export class IntegrationsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly index: IntegrationIndexService,
    private readonly mappings: MappingsService,
    private readonly settings: NormalizeSettings,
  ) {}

  private get repository() {
    return this.dataSource.getRepository(Integration);
  }

  async create(request: CreateIntegrationRequest): Promise<IntegrationView> {
    let template: string | null = null;
    let mapping: Record<string, unknown> = {};
    if (request.kind === 'alert') {
      template = request.template ?? (request.mapping ? null : 'generic');
      const document = request.mapping ?? this.mappings.template(template ?? 'generic').mapping;
      if (template !== null) this.mappings.template(template);
      this.mappings.compileForSave(document);
      mapping = document as unknown as Record<string, unknown>;
    } else if (request.template !== undefined || request.mapping !== undefined) {
      throw RpcFailure.invalid([
        'deploy integrations read OpsLevel deploy JSON: template and mapping do not apply',
      ]);
    }
    const token = newToken();
    const id = uuidv7();
    await this.repository.insert({
      id,
      name: request.name,
      kind: request.kind,
      template,
      enabled: true,
      tokenHash: hashToken(token),
      mapping,
      signatureScheme: request.signing?.scheme ?? null,
      signingSecret: request.signing?.secret ?? null,
      debugUntil: null,
      escalationPolicyId: request.escalationPolicyId ?? null,
      serviceId: request.serviceId ?? null,
      incidentPolicy: policyChanges(request.incidentPolicy),
    } as Row);
    const saved = await this.repository.findOneByOrFail({ id });
    // ingest learns the token from the index; the integration is live once this resolves.
    await this.index.put(saved);
    return this.withToken(saved, token);
  }

  async update(request: UpdateIntegrationRequest): Promise<IntegrationView> {
    const current = await this.find(request.id);
    const changes: Row = { updatedAt: () => 'now()' };
    if (request.name !== undefined) changes.name = request.name;
    if (request.enabled !== undefined) changes.enabled = request.enabled;
    if (request.mapping !== undefined) {
      if (current.kind !== 'alert') throw RpcFailure.invalid(['mapping applies to alert integrations only']);
      this.mappings.compileForSave(request.mapping);
      changes.mapping = request.mapping as Row['mapping'];
    }
    if (request.signing !== undefined) {
      changes.signatureScheme = request.signing?.scheme ?? null;
      changes.signingSecret = request.signing?.secret ?? null;
    }
    if (request.debug !== undefined) {
      changes.debugUntil = request.debug ? new Date(Date.now() + DEBUG_WINDOW_MS) : null;
    }
    if (request.escalationPolicyId !== undefined) changes.escalationPolicyId = request.escalationPolicyId;
    if (request.serviceId !== undefined) changes.serviceId = request.serviceId;
    if (request.incidentPolicy === null) changes.incidentPolicy = {};
    else if (request.incidentPolicy !== undefined) {
      // Merged by the statement itself, so two changes of different fields at once both stay.
      changes.incidentPolicy = () => `"incident_policy" || CAST(:incidentPolicy AS jsonb)`;
    }
    await this.repository
      .createQueryBuilder()
      .update()
      .set(changes)
      .where({ id: current.id })
      .setParameter('incidentPolicy', JSON.stringify(policyChanges(request.incidentPolicy)))
      .execute();
    const saved = await this.find(current.id);
    await this.index.put(saved);
    return this.view(saved);
  }

  /** A new token; the old one stops working at ingest as soon as the index has the change. */
  async rotateToken(id: string): Promise<IntegrationView> {
    const current = await this.find(id);
    const token = newToken();
    await this.repository.update({ id }, { tokenHash: hashToken(token), updatedAt: () => 'now()' });
    const saved = await this.find(id);
    await this.index.put(saved);
    await this.index.remove(current.tokenHash);
    return this.withToken(saved, token);
  }

  /** Removes the integration and its inbound log; its token stops working at once. */
  async remove(id: string): Promise<void> {
    const current = await this.find(id);
    await this.dataSource.transaction(async (em) => {
      await em.delete(InboundMessage, { integrationId: id });
      await em.delete(Integration, { id });
    });
    await this.index.remove(current.tokenHash);
  }

  async get(id: string): Promise<IntegrationView> {
    return this.view(await this.find(id));
  }

  async find(id: string): Promise<Integration> {
    const integration = await this.repository.findOneBy({ id });
    if (!integration) throw RpcFailure.notFound('integration', id);
    return integration;
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

  private withToken(integration: Integration, token: string): IntegrationView {
    const view = this.view(integration);
    return { ...view, token, url: view.url.replace('{token}', token) };
  }

  view(i: Integration): IntegrationView {
    const path = i.kind === 'deploy' ? 'deploys' : 'hooks';
    return {
      id: i.id,
      name: i.name,
      kind: i.kind,
      template: i.template,
      enabled: i.enabled,
      // The URL holds the token, which is never stored: shown in full only when created or rotated.
      url: `${this.settings.TOCSIN_PUBLIC_URL.replace(/\/$/, '')}/${path}/{token}`,
      mapping: i.mapping,
      signing: i.signatureScheme ? { scheme: i.signatureScheme } : null,
      debugUntil: i.debugUntil && i.debugUntil.getTime() > Date.now() ? i.debugUntil.toISOString() : null,
      escalationPolicyId: i.escalationPolicyId,
      serviceId: i.serviceId,
      incidentPolicy: effectivePolicy(i.incidentPolicy),
      createdAt: i.createdAt.toISOString(),
      updatedAt: i.updatedAt.toISOString(),
    };
  }
}
