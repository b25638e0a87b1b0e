import { Injectable } from '@nestjs/common';
import type {
  GetInboundRequest,
  InboundMessageView,
  ListInboundRequest,
  NormalizedEventView,
  Page,
} from '@tocsin/contracts';
import { RpcClient, RpcFailure } from '@tocsin/messaging';
import { decodeCursor, encodeCursor } from '@tocsin/persistence';
import { DataSource, In, LessThan } from 'typeorm';
import { Integration } from '../integrations/integration.entity';
import { InboundEvent } from './inbound-event.entity';
import { InboundMessage } from './inbound-message.entity';
import { answerBudget, fitPage, sizeOf } from './answer-size';

/** Events and body characters shown with each entry of a list; one entry shows what fits. */
const EVENTS_IN_LIST = 20;
const BODY_IN_LIST = 4096;
/** Events one entry keeps when it must be shortened to fit an answer. */
const EVENTS_WHEN_SHORTENED = 100;

/** The inbound log, newest first. */
@Injectable()
export class InboundQuery {
  constructor(
    private readonly dataSource: DataSource,
    private readonly rpc: RpcClient,
  ) {}

  private get budget(): number {
    return answerBudget(this.rpc.maxPayload);
  }

  async list(request: ListInboundRequest): Promise<Page<InboundMessageView>> {
    await this.requireIntegration(request.id);
    const limit = request.limit ?? 50;
    const query = this.dataSource
      .getRepository(InboundMessage)
      .createQueryBuilder('m')
      .where('m.integration_id = :id', { id: request.id })
      .orderBy('m.received_at', 'DESC')
      .addOrderBy('m.hook_id', 'DESC')
      .take(limit + 1);
    if (request.outcome) query.andWhere('m.outcome = :outcome', { outcome: request.outcome });
    if (request.cursor) {
      const parts = decodeCursor(request.cursor);
      if (
        !parts ||
        typeof parts[0] !== 'string' ||
        typeof parts[1] !== 'string' ||
        isNaN(Date.parse(parts[0]))
      )
        throw RpcFailure.invalid(['cursor is not one this api handed out']);
      query.andWhere('(m.received_at, m.hook_id) < (:at, :hookId)', { at: parts[0], hookId: parts[1] });
    }
    const rows = await query.getMany();
    const views = rows.slice(0, limit);
    const hookIds = views.map((m) => m.hookId);
    const [events, counts] = await Promise.all([
      this.eventsOf(hookIds, EVENTS_IN_LIST),
      this.countsOf(hookIds),
    ]);
    const items = fitPage(
      views.map((m) => shorten(view(m, events.get(m.hookId) ?? [], counts.get(m.hookId) ?? 0), BODY_IN_LIST)),
      this.budget,
    );
    const last = views[items.length - 1];
    return {
      items,
      nextCursor:
        (rows.length > limit || items.length < views.length) && last
          ? encodeCursor([last.receivedAt.toISOString(), last.hookId])
          : null,
    };
  }

  async get(request: GetInboundRequest): Promise<InboundMessageView> {
    const message = await this.dataSource
      .getRepository(InboundMessage)
      .findOneBy({ hookId: request.hookId, integrationId: request.integrationId });
    if (!message) throw RpcFailure.notFound('inbound message', request.hookId);
    const events = (await this.eventsOf([message.hookId])).get(message.hookId) ?? [];
    const full = view(message, events, events.length);
    if (sizeOf(full) <= this.budget) return full;
    let fitted = { ...full, events: full.events.slice(0, EVENTS_WHEN_SHORTENED) };
    for (let keep = fitted.body.length; sizeOf(fitted) > this.budget && keep > 0;) {
      keep = Math.floor(keep / 2);
      fitted = shorten(fitted, keep);
    }
    return fitted;
  }

  private async countsOf(hookIds: string[]): Promise<Map<string, number>> {
    if (hookIds.length === 0) return new Map();
    const rows = await this.dataSource
      .getRepository(InboundEvent)
      .createQueryBuilder('e')
      .select('e.hook_id', 'hookId')
      .addSelect('count(*)::int', 'count')
      .where('e.hook_id IN (:...hookIds)', { hookIds })
      .groupBy('e.hook_id')
      .getRawMany<{ hookId: string; count: number }>();
    return new Map(rows.map((r) => [r.hookId, r.count]));
  }

  private async requireIntegration(id: string): Promise<void> {
    if (!(await this.dataSource.getRepository(Integration).existsBy({ id })))
      throw RpcFailure.notFound('integration', id);
  }

  /** The events of some hooks, the first `upTo` of each (event indexes run from 0 without gaps). */
  private async eventsOf(hookIds: string[], upTo = Infinity): Promise<Map<string, InboundEvent[]>> {
    const byHook = new Map<string, InboundEvent[]>();
    if (hookIds.length === 0) return byHook;
    const rows = await this.dataSource.getRepository(InboundEvent).find({
      where: { hookId: In(hookIds), ...(Number.isFinite(upTo) ? { index: LessThan(upTo) } : {}) },
      order: { hookId: 'ASC', index: 'ASC' },
    });
    for (const row of rows) {
      const list = byHook.get(row.hookId) ?? [];
      list.push(row);
      byHook.set(row.hookId, list);
    }
    return byHook;
  }
}

function view(m: InboundMessage, events: InboundEvent[], eventCount: number): InboundMessageView {
  return {
    id: m.hookId,
    integrationId: m.integrationId,
    receivedAt: m.receivedAt.toISOString(),
    outcome: m.outcome,
    incidentId: m.incidentId,
    rule: m.rule,
    dedupKey: m.dedupKey,
    detail: m.detail,
    headers: m.headers,
    body: m.body,
    bodyTruncated: false,
    bodyLength: m.body.length,
    eventCount,
    events: events.map(eventView),
  };
}

/** The entry with its body cut to `keep` characters. */
function shorten(entry: InboundMessageView, keep: number): InboundMessageView {
  return entry.body.length <= keep
    ? entry
    : { ...entry, body: entry.body.slice(0, keep), bodyTruncated: true };
}

function eventView(e: InboundEvent): NormalizedEventView {
  return {
    index: e.index,
    outcome: e.outcome,
    action: e.action,
    dedupKey: e.dedupKey,
    dedupKeyFallback: e.dedupKeyFallback,
    title: e.title,
    severity: e.severity,
    service: e.service,
    rule: e.rule,
    incidentId: e.incidentId,
    detail: e.detail,
  };
}
