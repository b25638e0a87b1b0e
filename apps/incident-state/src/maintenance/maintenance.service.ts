import { Injectable } from '@nestjs/common';
import type {
  CreateMaintenanceWindowRequest,
  IdRequest,
  ListMaintenanceWindowsRequest,
  MaintenanceWindowView,
  Page,
} from '@tocsin/contracts';
import { RpcFailure, uuidv7 } from '@tocsin/messaging';
import { decodeCursor, encodeCursor } from '@tocsin/persistence';
import { DataSource } from 'typeorm';
import { MaintenanceCalendarService } from './maintenance-calendar.service';
import { MaintenanceWindow } from './maintenance-window.entity';

/** Maintenance windows: scheduled ahead, for an integration or a service. */
@Injectable()
export class MaintenanceService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly calendar: MaintenanceCalendarService,
  ) {}

  async create(request: CreateMaintenanceWindowRequest): Promise<MaintenanceWindowView> {
    const problems: string[] = [];
    if (!request.integrationId && !request.service) problems.push('give integrationId, service or both');
    const startsAt = new Date(request.startsAt);
    const endsAt = new Date(request.endsAt);
    if (endsAt <= startsAt) problems.push('endsAt must be after startsAt');
    if (endsAt.getTime() <= Date.now()) problems.push('endsAt is in the past');
    if (problems.length > 0) throw RpcFailure.invalid(problems);
    const window: MaintenanceWindow = {
      id: uuidv7(),
      integrationId: request.integrationId ?? null,
      service: request.service ?? null,
      startsAt,
      endsAt,
      reason: request.reason ?? null,
      createdBy: `api:${request.actor}`,
      createdAt: new Date(),
      ended: false,
    };
    await this.dataSource.getRepository(MaintenanceWindow).insert(window);
    await this.calendar.refresh();
    return view(window);
  }

  async list(request: ListMaintenanceWindowsRequest): Promise<Page<MaintenanceWindowView>> {
    const limit = request.limit ?? 50;
    const q = this.dataSource
      .getRepository(MaintenanceWindow)
      .createQueryBuilder('w')
      .orderBy('w.id', 'DESC')
      .take(limit + 1);
    if (request.integrationId) q.andWhere('w.integration_id = :id', { id: request.integrationId });
    if (request.current === 'true') q.andWhere('w.ends_at > now()');
    if (request.cursor) {
      const parts = decodeCursor(request.cursor);
      if (!parts || typeof parts[0] !== 'string')
        throw RpcFailure.invalid(['cursor is not one this api handed out']);
      q.andWhere('w.id < :after', { after: parts[0] });
    }
    const rows = await q.getMany();
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return {
      items: items.map(view),
      nextCursor: rows.length > limit && last ? encodeCursor([last.id]) : null,
    };
  }

  /** Removes a window; one that is running ends now, and what it held pages at the next sweep. */
  async remove(request: IdRequest): Promise<{ deleted: true }> {
    const repository = this.dataSource.getRepository(MaintenanceWindow);
    const window = await repository.findOneBy({ id: request.id });
    if (!window) throw RpcFailure.notFound('maintenance window', request.id);
    const now = new Date();
    if (window.startsAt < now && window.endsAt > now && !window.ended) {
      await repository.update({ id: window.id }, { endsAt: now });
    } else {
      await repository.delete({ id: window.id });
    }
    await this.calendar.refresh();
    return { deleted: true };
  }
}

function view(w: MaintenanceWindow): MaintenanceWindowView {
  return {
    id: w.id,
    integrationId: w.integrationId,
    service: w.service,
    startsAt: w.startsAt.toISOString(),
    endsAt: w.endsAt.toISOString(),
    reason: w.reason,
    createdBy: w.createdBy,
    createdAt: w.createdAt.toISOString(),
    ended: w.ended,
  };
}
