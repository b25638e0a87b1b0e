import { Injectable } from '@nestjs/common';
import type { ListNotificationsRequest, NotificationView, Page } from '@tocsin/contracts';
import { RpcFailure } from '@tocsin/messaging';
import { decodeCursor, encodeCursor } from '@tocsin/persistence';
import { DataSource } from 'typeorm';
import { Delivery } from './paging.entities';

/** The delivery log: every page and notice, newest first. */
@Injectable()
export class NotificationsQuery {
  constructor(private readonly dataSource: DataSource) {}

  async list(request: ListNotificationsRequest): Promise<Page<NotificationView>> {
    const limit = request.limit ?? 50;
    const q = this.dataSource
      .getRepository(Delivery)
      .createQueryBuilder('d')
      .orderBy('d.id', 'DESC')
      .take(limit + 1);
    if (request.incidentId) q.andWhere('d.incidentId = :incidentId', { incidentId: request.incidentId });
    if (request.userId) q.andWhere('d.userId = :userId', { userId: request.userId });
    if (request.status) q.andWhere('d.status = :status', { status: request.status });
    if (request.cursor) {
      const parts = decodeCursor(request.cursor);
      if (!parts || typeof parts[0] !== 'string')
        throw RpcFailure.invalid(['cursor is not one this api handed out']);
      q.andWhere('d.id < :before', { before: parts[0] });
    }
    const rows = await q.getMany();
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map(view),
      nextCursor: rows.length > limit && last ? encodeCursor([last.id]) : null,
    };
  }
}

function view(d: Delivery): NotificationView {
  return {
    id: d.id,
    incidentId: d.incidentId,
    notice: d.notice,
    userId: d.userId,
    contactMethodId: d.contactMethodId,
    channel: d.channel,
    address:
      d.channel === 'webhook' || d.channel === 'slack' || d.channel === 'push'
        ? withoutQuery(d.address)
        : d.address,
    step: d.step,
    repeat: d.repeat,
    status: d.status,
    attempts: d.attempts,
    nextAttemptAt: d.nextAttemptAt.toISOString(),
    providerMessageId: d.providerMessageId,
    error: d.error,
    createdAt: d.createdAt.toISOString(),
    sentAt: d.sentAt?.toISOString() ?? null,
  };
}

/** URLs can carry secrets in their path or query (Slack's do); the log shows the origin and path start. */
function withoutQuery(address: string): string {
  try {
    const url = new URL(address);
    const path = url.pathname.length > 24 ? `${url.pathname.slice(0, 24)}…` : url.pathname;
    return `${url.origin}${path}`;
  } catch {
    return address.slice(0, 40);
  }
}
