import type { EntityManager } from 'typeorm';
import { TABLES } from '../tables';
import { selectSuspects, type DeployFacts } from './suspects';

interface CandidateRow {
  incidentId: string;
  openedAt: Date;
  incidentEnvironment: string | null;
  deployId: string;
  deployedAt: Date;
  deployEnvironment: string | null;
  serviceName: string;
}

/**
 * Records suspect deploys: for incidents that just opened (or just got their service), the deploys
 * before them; for deploys that just got recorded (or just got their service), the incidents after
 * them. Both directions are needed because a deploy may be reported after the incident it caused.
 * Recording is idempotent: a link that exists stays as it is.
 */
export class SuspectLinks {
  constructor(
    private readonly em: EntityManager,
    private readonly windowMs: number,
  ) {}

  /** Links incidents to the deploys before them; answers how many links each incident got. */
  async forIncidents(incidentIds: string[]): Promise<Map<string, number>> {
    const linked = new Map<string, number>();
    for (const id of await this.link('i.id', incidentIds)) linked.set(id, (linked.get(id) ?? 0) + 1);
    return linked;
  }

  /** Links deploys to the incidents after them; answers how many links were made. */
  async forDeploys(deployIds: string[]): Promise<number> {
    return (await this.link('d.id', deployIds)).length;
  }

  /** Records the links of the incidents or deploys given; answers the incident of each link made. */
  private async link(column: 'i.id' | 'd.id', ids: string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows: CandidateRow[] = await this.em.query(
      `SELECT i.id AS "incidentId", i.opened_at AS "openedAt", i.environment AS "incidentEnvironment",
              d.id AS "deployId", d.deployed_at AS "deployedAt", d.environment AS "deployEnvironment",
              s.name AS "serviceName"
         FROM ${TABLES.incidents} i
         JOIN ${TABLES.deploys} d
           ON d.service_id = i.service_id
          AND d.deployed_at <= i.opened_at
          AND d.deployed_at >= i.opened_at - make_interval(secs => $2::double precision / 1000)
         JOIN ${TABLES.services} s ON s.id = i.service_id
        WHERE ${column} = ANY($1::uuid[])`,
      [ids, this.windowMs],
    );
    const byIncident = new Map<string, { row: CandidateRow; deploys: DeployFacts[] }>();
    for (const row of rows) {
      const entry = byIncident.get(row.incidentId) ?? { row, deploys: [] };
      entry.deploys.push({
        id: row.deployId,
        deployedAt: row.deployedAt,
        environment: row.deployEnvironment,
      });
      byIncident.set(row.incidentId, entry);
    }
    const incidentIds: string[] = [];
    const deployIds: string[] = [];
    const seconds: number[] = [];
    const reasons: string[] = [];
    for (const [incidentId, { row, deploys }] of byIncident) {
      const incident = { openedAt: row.openedAt, environment: row.incidentEnvironment };
      for (const suspect of selectSuspects(incident, deploys, row.serviceName, this.windowMs)) {
        incidentIds.push(incidentId);
        deployIds.push(suspect.deployId);
        seconds.push(suspect.secondsBefore);
        reasons.push(suspect.reason);
      }
    }
    if (incidentIds.length === 0) return [];
    const inserted: { incidentId: string }[] = await this.em.query(
      `INSERT INTO ${TABLES.suspects} ("incident_id", "deploy_id", "seconds_before", "reason")
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::integer[], $4::text[])
       ON CONFLICT DO NOTHING RETURNING "incident_id" AS "incidentId"`,
      [incidentIds, deployIds, seconds, reasons],
    );
    return inserted.map((row) => row.incidentId);
  }
}
