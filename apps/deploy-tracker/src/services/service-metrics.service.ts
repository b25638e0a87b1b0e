import { Injectable } from '@nestjs/common';
import { DeployTrackerSettings } from '@tocsin/config';
import type { ServiceMetricsRequest, ServiceMetricsView } from '@tocsin/contracts';
import { RpcFailure } from '@tocsin/messaging';
import { DataSource } from 'typeorm';
import { TABLES } from '../tables';

const DAY_MS = 24 * 60 * 60 * 1000;
/** The longest period one request may ask about. */
export const MAX_METRICS_DAYS = 366;

/**
 * Deployment frequency, change failure rate and mean time to restore of one service over a period.
 * A deploy failed when an incident of its service opened within the suspect window after it (it is
 * a suspect of that incident); the time to restore of an incident runs from its opening to its
 * resolution, for the incidents of the service opened in the period and resolved since.
 */
@Injectable()
export class ServiceMetricsService {
  private readonly windowMinutes: number;

  constructor(
    private readonly dataSource: DataSource,
    settings: DeployTrackerSettings,
  ) {
    this.windowMinutes = settings.DEPLOY_SUSPECT_WINDOW_MINUTES;
  }

  async metrics(request: ServiceMetricsRequest, now = new Date()): Promise<ServiceMetricsView> {
    const until = request.until ? new Date(request.until) : now;
    const since = request.since ? new Date(request.since) : new Date(until.getTime() - 30 * DAY_MS);
    if (since.getTime() >= until.getTime()) throw RpcFailure.invalid(['since must be before until']);
    if (until.getTime() - since.getTime() > MAX_METRICS_DAYS * DAY_MS) {
      throw RpcFailure.invalid([`the period is at most ${MAX_METRICS_DAYS} days`]);
    }
    const found: unknown[] = await this.dataSource.query(`SELECT 1 FROM ${TABLES.services} WHERE "id" = $1`, [
      request.id,
    ]);
    if (found.length === 0) throw RpcFailure.notFound('service', request.id);
    const [deploys] = await this.dataSource.query<{ total: number; failed: number }[]>(
      `SELECT count(*)::int AS "total",
              count(*) FILTER (WHERE EXISTS (SELECT 1 FROM ${TABLES.suspects} s WHERE s.deploy_id = d.id))::int AS "failed"
         FROM ${TABLES.deploys} d
        WHERE d.service_id = $1 AND d.deployed_at >= $2 AND d.deployed_at < $3`,
      [request.id, since, until],
    );
    const [incidents] = await this.dataSource.query<
      { total: number; resolved: number; mttr: number | null }[]
    >(
      `SELECT count(*)::int AS "total", count("resolved_at")::int AS "resolved",
              avg(extract(epoch FROM "resolved_at" - "opened_at"))::float8 AS "mttr"
         FROM ${TABLES.incidents}
        WHERE "service_id" = $1 AND "opened_at" >= $2 AND "opened_at" < $3`,
      [request.id, since, until],
    );
    const total = deploys?.total ?? 0;
    const failed = deploys?.failed ?? 0;
    const days = (until.getTime() - since.getTime()) / DAY_MS;
    return {
      serviceId: request.id,
      since: since.toISOString(),
      until: until.toISOString(),
      windowMinutes: this.windowMinutes,
      deployCount: total,
      deploysPerDay: round(total / days),
      failedDeployCount: failed,
      changeFailureRate: total > 0 ? round(failed / total) : null,
      incidentCount: incidents?.total ?? 0,
      resolvedIncidentCount: incidents?.resolved ?? 0,
      meanTimeToRestoreSeconds:
        incidents?.mttr === null || incidents?.mttr === undefined ? null : Math.round(incidents.mttr),
    };
  }
}

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
