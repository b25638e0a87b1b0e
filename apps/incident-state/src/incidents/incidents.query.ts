import { Injectable } from '@nestjs/common';
import type {
  IncidentView,
  ListIncidentsRequest,
  Page,
  PreviewEventsRequest,
  PreviewOutcome,
} from '@tocsin/contracts';
import { RpcFailure } from '@tocsin/messaging';
import { decodeCursor, encodeCursor } from '@tocsin/persistence';
import { DataSource, In, Not } from 'typeorm';
import { Incident } from './incident.entity';
import { transition, type OpenIncidentState } from './incident-machine';
import { toView } from './incident.view';

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

  async get(id: string): Promise<IncidentView> {
    const incident = await this.dataSource.getRepository(Incident).findOneBy({ id });
    if (!incident) throw RpcFailure.notFound('incident', id);
    return toView(incident);
  }

  /**
   * What these events would do, in order, to the incidents open now: the same state machine the
   * consumer applies, run on a copy. Changes nothing.
   */
  async preview(request: PreviewEventsRequest): Promise<PreviewOutcome[]> {
    const keys = [...new Set(request.events.map((e) => e.dedupKey))];
    const open = keys.length
      ? await this.dataSource.getRepository(Incident).find({
          select: { id: true, dedupKey: true, status: true },
          where: { integrationId: request.integrationId, dedupKey: In(keys), status: Not('resolved') },
        })
      : [];
    const state = new Map<string, OpenIncidentState & { id: string | null }>(
      open.map((i) => [i.dedupKey, { id: i.id, status: i.status as OpenIncidentState['status'] }]),
    );
    return request.events.map((event) => {
      const current = state.get(event.dedupKey) ?? null;
      const step = transition(current, event.action);
      if (step.status === null || step.status === 'resolved') state.delete(event.dedupKey);
      else state.set(event.dedupKey, { id: current?.id ?? null, status: step.status });
      return {
        index: event.index,
        outcome: step.outcome,
        incidentId: current?.id ?? null,
        detail: step.reason ?? (step.change === 'opened' ? 'would open a new incident' : null),
      };
    });
  }
}
