import { Injectable } from '@nestjs/common';
import type {
  GetInboundRequest,
  InboundForIncidentRequest,
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
import { PendingHooksService } from './pending-hooks.service';

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
    private readonly pending: PendingHooksService,
  ) {}

  private get budget(): number {
    return answerBudget(this.rpc.maxPayload);
  }

  async list(request: ListInboundRequest): Promise<Page<InboundMessageView>> {
    await this.requireIntegration(request.id);
    const limit = request.limit ?? 50;
    // The stream is read before the table: a hook normalize records in between is then in the
    // table, since normalize acks only after it committed.
    const waiting =
      !request.cursor && (!request.outcome || request.outcome === 'accepted')
        ? await this.waiting(request.id)
        : [];
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
    let listed = views.map((m) => view(m, events.get(m.hookId) ?? [], counts.get(m.hookId) ?? 0));
    if (waiting.length > 0) {
      const recorded = new Set(listed.map((m) => m.id));
      listed = newestFirst([...waiting.filter((m) => !recorded.has(m.id)), ...listed]).slice(0, limit);
    }
    const items = fitPage(
      listed.map((m) => shorten(m, BODY_IN_LIST)),
      this.budget,
    );
    const last = items[items.length - 1];
    return {
      items,
      nextCursor:
        (rows.length > limit || items.length < listed.length) && last
          ? encodeCursor([last.receivedAt, last.id])
          : null,
    };
  }

  /** The messages with an event that touched the incident, newest first, bodies cut as in lists. */
  async forIncident(request: InboundForIncidentRequest): Promise<Page<InboundMessageView>> {
    const rows = await this.dataSource
      .getRepository(InboundMessage)
      .createQueryBuilder('m')
      .where('m.integration_id = :integrationId', { integrationId: request.integrationId })
      .andWhere(
        `(m.incident_id = :incidentId OR m.hook_id IN (
           SELECT e.hook_id FROM normalize.inbound_events e WHERE e.incident_id = :incidentId))`,
        { incidentId: request.incidentId },
      )
      .orderBy('m.received_at', 'DESC')
      .addOrderBy('m.hook_id', 'DESC')
      .take(request.limit ?? 50)
      .getMany();
    const hookIds = rows.map((m) => m.hookId);
    const [events, counts] = await Promise.all([
      this.eventsOf(hookIds, EVENTS_IN_LIST),
      this.countsOf(hookIds),
    ]);
    const items = rows.map((m) =>
      shorten(view(m, events.get(m.hookId) ?? [], counts.get(m.hookId) ?? 0), BODY_IN_LIST),
    );
    return { items: fitPage(items, this.budget), nextCursor: null };
  }

  async get(request: GetInboundRequest): Promise<InboundMessageView> {
    // Stream first, table second (see list).
    const waiting = (await this.waiting(request.integrationId)).find((m) => m.id === request.hookId);
    const message = await this.dataSource
      .getRepository(InboundMessage)
      .findOneBy({ hookId: request.hookId, integrationId: request.integrationId });
    if (!message) {
      if (waiting) return waiting;
      throw RpcFailure.notFound('inbound message', request.hookId);
    }
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

  /** Hooks stored and answered 202 that normalize has not recorded yet, as `accepted` entries. */
  private async waiting(integrationId: string): Promise<InboundMessageView[]> {
    const hooks = await this.pending.of(integrationId);
    if (hooks.length === 0) return [];
    const recorded = new Set(
      (
        await this.dataSource
          .getRepository(InboundMessage)
          .find({ select: { hookId: true }, where: { hookId: In(hooks.map((h) => h.hookId)) } })
      ).map((m) => m.hookId),
    );
    return hooks
      .filter((h) => !recorded.has(h.hookId))
      .map((h) => ({
        id: h.hookId,
        integrationId: h.integrationId,
        receivedAt: h.receivedAt,
        outcome: 'accepted' as const,
        incidentId: null,
        rule: null,
        dedupKey: null,
        detail: 'stored; waiting to be normalized',
        headers: h.headers,
        body: h.body,
        bodyTruncated: false,
        bodyLength: h.body.length,
        eventCount: 0,
        events: [],
      }));
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

function newestFirst(entries: InboundMessageView[]): InboundMessageView[] {
  return entries.sort((a, b) =>
    a.receivedAt === b.receivedAt ? (a.id < b.id ? 1 : -1) : a.receivedAt < b.receivedAt ? 1 : -1,
  );
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
