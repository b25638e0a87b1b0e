import { Injectable } from '@nestjs/common';
import type { IncidentSuspectsView, SuspectDeployView } from '@tocsin/contracts';
import { DataSource, In } from 'typeorm';
import { Deploy } from '../deploys/deploy.entity';
import { DeploysQuery } from '../deploys/deploys.query';
import { toDeployView } from '../deploys/deploy.view';
import { TABLES } from '../tables';

/** The suspect deploys of one incident, nearest first, for the api's incident view. */
@Injectable()
export class SuspectsQuery {
  constructor(
    private readonly dataSource: DataSource,
    private readonly deploys: DeploysQuery,
  ) {}

  async forIncident(incidentId: string): Promise<IncidentSuspectsView> {
    const incidents: { serviceId: string | null }[] = await this.dataSource.query(
      `SELECT "service_id" AS "serviceId" FROM ${TABLES.incidents} WHERE "id" = $1`,
      [incidentId],
    );
    const incident = incidents[0];
    if (!incident) return { incidentId, known: false, serviceId: null, suspectDeploys: [] };
    const links: { deployId: string; secondsBefore: number; reason: string }[] = await this.dataSource.query(
      `SELECT "deploy_id" AS "deployId", "seconds_before" AS "secondsBefore", "reason"
         FROM ${TABLES.suspects} WHERE "incident_id" = $1
        ORDER BY "seconds_before", "deploy_id"`,
      [incidentId],
    );
    const ids = links.map((l) => l.deployId);
    const deploys = new Map(
      (ids.length > 0 ? await this.dataSource.getRepository(Deploy).findBy({ id: In(ids) }) : []).map((d) => [
        d.id,
        d,
      ]),
    );
    const counts = await this.deploys.incidentCounts(ids);
    const suspectDeploys: SuspectDeployView[] = [];
    for (const link of links) {
      const deploy = deploys.get(link.deployId);
      if (!deploy) continue;
      suspectDeploys.push({
        ...toDeployView(deploy, counts.get(deploy.id) ?? 0),
        secondsBefore: link.secondsBefore,
        reason: link.reason,
      });
    }
    return { incidentId, known: true, serviceId: incident.serviceId, suspectDeploys };
  }
}
