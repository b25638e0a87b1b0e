import { Injectable } from '@nestjs/common';
import {
  aliasKey,
  type DeployDetailView,
  type DeployView,
  type FollowingIncidentView,
  type IncidentStatus,
  type ListDeploysRequest,
  type Page,
} from '@tocsin/contracts';
import { RpcFailure } from '@tocsin/messaging';
import { decodeCursor, encodeCursor } from '@tocsin/persistence';
import { Brackets, DataSource } from 'typeorm';
import { TABLES } from '../tables';
import { Deploy } from './deploy.entity';
import { toDeployView } from './deploy.view';

/** Reading deploys: lists newest first with filters, one deploy with the incidents that followed it. */
@Injectable()
export class DeploysQuery {
  constructor(private readonly dataSource: DataSource) {}

  async list(request: ListDeploysRequest): Promise<Page<DeployView>> {
    const limit = request.limit ?? 50;
    const qb = this.dataSource
      .getRepository(Deploy)
      .createQueryBuilder('d')
      .orderBy('d.deployedAt', 'DESC')
      .addOrderBy('d.id', 'DESC')
      .take(limit + 1);
    if (request.serviceId) qb.andWhere('d.serviceId = :serviceId', { serviceId: request.serviceId });
    if (request.service) qb.andWhere('d.aliasKey = :aliasKey', { aliasKey: aliasKey(request.service) });
    if (request.environment) {
      qb.andWhere('lower(d.environment) = lower(:environment)', { environment: request.environment.trim() });
    }
    if (request.integrationId)
      qb.andWhere('d.integrationId = :integrationId', { integrationId: request.integrationId });
    if (request.since) qb.andWhere('d.deployedAt >= :since', { since: request.since });
    if (request.until) qb.andWhere('d.deployedAt < :until', { until: request.until });
    if (request.sha) qb.andWhere('d.commitSha LIKE :sha', { sha: `${request.sha.toLowerCase()}%` });
    if (request.cursor) {
      const parts = decodeCursor(request.cursor);
      if (
        !parts ||
        typeof parts[0] !== 'string' ||
        typeof parts[1] !== 'string' ||
        isNaN(Date.parse(parts[0]))
      )
        throw RpcFailure.invalid(['cursor is not one this api handed out']);
      const [at, id] = parts;
      qb.andWhere(
        new Brackets((w) => {
          w.where('d.deployedAt < :at', { at }).orWhere('d.deployedAt = :at AND d.id < :id', { id });
        }),
      );
    }
    const rows = await qb.getMany();
    const items = rows.slice(0, limit);
    const counts = await this.incidentCounts(items.map((d) => d.id));
    const last = items[items.length - 1];
    return {
      items: items.map((d) => toDeployView(d, counts.get(d.id) ?? 0)),
      nextCursor: rows.length > limit && last ? encodeCursor([last.deployedAt.toISOString(), last.id]) : null,
    };
  }

  async get(id: string): Promise<DeployDetailView> {
    const deploy = await this.dataSource.getRepository(Deploy).findOneBy({ id });
    if (!deploy) throw RpcFailure.notFound('deploy', id);
    const rows: {
      incidentId: string;
      number: string;
      title: string;
      status: IncidentStatus;
      openedAt: Date;
      secondsAfter: number;
      reason: string;
    }[] = await this.dataSource.query(
      `SELECT i.id AS "incidentId", i.number, i.title, i.status, i.opened_at AS "openedAt",
              s.seconds_before AS "secondsAfter", s.reason
         FROM ${TABLES.suspects} s JOIN ${TABLES.incidents} i ON i.id = s.incident_id
        WHERE s.deploy_id = $1
        ORDER BY i.opened_at, i.id`,
      [id],
    );
    const incidents: FollowingIncidentView[] = rows.map((r) => ({
      incidentId: r.incidentId,
      number: Number(r.number),
      title: r.title,
      status: r.status,
      openedAt: r.openedAt.toISOString(),
      secondsAfter: r.secondsAfter,
      reason: r.reason,
    }));
    return { ...toDeployView(deploy, incidents.length), incidents };
  }

  async incidentCounts(deployIds: string[]): Promise<Map<string, number>> {
    if (deployIds.length === 0) return new Map();
    const rows: { deployId: string; count: number }[] = await this.dataSource.query(
      `SELECT "deploy_id" AS "deployId", count(*)::int AS "count" FROM ${TABLES.suspects}
        WHERE "deploy_id" = ANY($1::uuid[]) GROUP BY "deploy_id"`,
      [deployIds],
    );
    return new Map(rows.map((r) => [r.deployId, r.count]));
  }
}
