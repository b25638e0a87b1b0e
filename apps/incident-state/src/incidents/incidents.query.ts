import { Injectable } from '@nestjs/common';
import type {
  IncidentDetailView,
  IncidentView,
  ListIncidentsRequest,
  Page,
  PreviewEventsRequest,
  PreviewOutcome,
  TimelineEntryView,
  TimelineRequest,
} from '@tocsin/contracts';
import { RpcFailure } from '@tocsin/messaging';
import { decodeCursor, encodeCursor } from '@tocsin/persistence';
import { DataSource } from 'typeorm';
import { Alert } from './alert.entity';
import { applyEvent, type IncidentState } from './incident-machine';
import { IncidentRepository } from './incident.repository';
import { Incident } from './incident.entity';
import { toDetailView, toTimelineView, toView } from './incident.view';
import { toPolicy } from './incidents.service';
import { TimelineEntry } from './timeline-entry.entity';

/** Timeline entries shown with one incident; the timeline route pages through all of them. */
const TIMELINE_IN_DETAIL = 200;

/** Read side of incidents, for the api. */
@Injectable()
export class IncidentsQuery {
  constructor(private readonly dataSource: DataSource) {}

  async list(request: ListIncidentsRequest): Promise<Page<IncidentView>> {
    const limit = request.limit ?? 50;
    const q = this.dataSource
      .getRepository(Incident)
      .createQueryBuilder('i')
      .orderBy('i.number', 'DESC')
      .take(limit + 1);
    if (request.status) q.andWhere('i.status = :status', { status: request.status });
    if (request.integrationId)
      q.andWhere('i.integration_id = :integrationId', { integrationId: request.integrationId });
    if (request.service) q.andWhere('i.service = :service', { service: request.service });
    if (request.since) q.andWhere('i.opened_at >= :since', { since: request.since });
    if (request.until) q.andWhere('i.opened_at < :until', { until: request.until });
    if (request.cursor) {
      const parts = decodeCursor(request.cursor);
      if (!parts || typeof parts[0] !== 'number')
        throw RpcFailure.invalid(['cursor is not one this api handed out']);
      q.andWhere('i.number < :after', { after: parts[0] });
    }
    const rows = await q.getMany();
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return {
      items: items.map(toView),
      nextCursor: rows.length > limit && last ? encodeCursor([last.number]) : null,
    };
  }

  async get(id: string): Promise<IncidentDetailView> {
    const incident = await this.dataSource.getRepository(Incident).findOneBy({ id });
    if (!incident) throw RpcFailure.notFound('incident', id);
    const [alerts, timeline] = await Promise.all([
      this.dataSource
        .getRepository(Alert)
        .find({ where: { incidentId: id }, order: { firstSeen: 'ASC', dedupKey: 'ASC' } }),
      this.dataSource
        .getRepository(TimelineEntry)
        .find({ where: { incidentId: id }, order: { id: 'DESC' }, take: TIMELINE_IN_DETAIL }),
    ]);
    return toDetailView(incident, alerts, timeline.reverse());
  }

  /** The whole timeline, oldest first. */
  async timeline(request: TimelineRequest): Promise<Page<TimelineEntryView>> {
    if (!(await this.dataSource.getRepository(Incident).existsBy({ id: request.id })))
      throw RpcFailure.notFound('incident', request.id);
    const limit = request.limit ?? 50;
    const q = this.dataSource
      .getRepository(TimelineEntry)
      .createQueryBuilder('t')
      .where('t.incident_id = :id', { id: request.id })
      .orderBy('t.id', 'ASC')
      .take(limit + 1);
    if (request.cursor) {
      const parts = decodeCursor(request.cursor);
      if (!parts || typeof parts[0] !== 'string' || !/^\d+$/.test(parts[0]))
        throw RpcFailure.invalid(['cursor is not one this api handed out']);
      q.andWhere('t.id > :after', { after: parts[0] });
    }
    const rows = await q.getMany();
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return {
      items: items.map(toTimelineView),
      nextCursor: rows.length > limit && last ? encodeCursor([last.id]) : null,
    };
  }

  /**
   * What these events would do, in order, to the incidents of their keys now: the state machine
   * the consumer applies, run on copies. Changes nothing.
   */
  async preview(request: PreviewEventsRequest): Promise<PreviewOutcome[]> {
    const policy = toPolicy(request.policy);
    const state = new Map<string, { id: string | null; state: IncidentState | null }>();
    const out: PreviewOutcome[] = [];
    await this.dataSource.transaction('REPEATABLE READ', async (em) => {
      const incidents = new IncidentRepository(em, false);
      for (const event of request.events) {
        const key = event.groupKey ?? event.dedupKey;
        if (!state.has(key)) {
          const loaded = await incidents.forKey(request.integrationId, key);
          state.set(key, { id: loaded?.row.id ?? null, state: loaded?.state ?? null });
        }
        const current = state.get(key) as { id: string | null; state: IncidentState | null };
        const step = applyEvent(
          current.state,
          { action: event.action, dedupKey: event.dedupKey, at: Date.parse(event.receivedAt) },
          policy,
        );
        const open = current.state && current.state.status !== 'resolved' ? current.id : null;
        const incidentId = step.target === 'new' ? null : step.target === 'same' ? current.id : open;
        if (step.target !== 'none') state.set(key, { id: incidentId, state: step.next });
        out.push({
          index: event.index,
          outcome: step.outcome,
          incidentId,
          detail: step.reason ?? (step.target === 'new' ? 'would open a new incident' : null),
        });
      }
    });
    return out;
  }
}
