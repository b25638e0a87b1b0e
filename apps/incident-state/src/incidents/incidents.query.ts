import { Injectable } from '@nestjs/common';
import type { IncidentView, ListIncidentsRequest, Page } from '@tocsin/contracts';
import { RpcFailure } from '@tocsin/messaging';
import { decodeCursor, encodeCursor } from '@tocsin/persistence';
import { DataSource } from 'typeorm';
import { Incident } from './incident.entity';
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
}
