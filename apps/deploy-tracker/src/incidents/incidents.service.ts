import { Injectable } from '@nestjs/common';
import { DeployTrackerSettings } from '@tocsin/config';
import { aliasKey, type IncidentChangedV1 } from '@tocsin/contracts';
import { PinoLogger } from 'nestjs-pino';
import { DataSource } from 'typeorm';
import { TABLES } from '../tables';
import { IntegrationServicesService } from './integration-services.service';
import { SuspectLinks } from './suspect-links.repository';

/**
 * Keeps what deploy-tracker needs of each incident, from the changes incident-state announces, and
 * links a new incident to the deploys that came before it. Every change carries the whole incident,
 * so the latest one (by stream sequence) wins, and a change delivered twice or late changes nothing.
 */
@Injectable()
export class IncidentsService {
  private readonly windowMs: number;

  constructor(
    private readonly dataSource: DataSource,
    private readonly integrations: IntegrationServicesService,
    private readonly logger: PinoLogger,
    settings: DeployTrackerSettings,
  ) {
    this.windowMs = settings.DEPLOY_SUSPECT_WINDOW_MINUTES * 60_000;
  }

  async apply(change: IncidentChangedV1, sequence: number): Promise<void> {
    const incident = change.incident;
    const alias = incident.service?.trim() ? incident.service : null;
    const key = alias ? aliasKey(alias) : null;
    const known: { lastSequence: string }[] = await this.dataSource.query(
      `SELECT "last_sequence" AS "lastSequence" FROM ${TABLES.incidents} WHERE "id" = $1`,
      [incident.id],
    );
    // The service is looked up only for an incident not seen before: it is matched once, when it opens.
    const serviceId = known.length === 0 ? await this.serviceOf(key, incident.integrationId) : null;
    await this.dataSource.transaction(async (em) => {
      const inserted: { id: string }[] = await em.query(
        `INSERT INTO ${TABLES.incidents} ("id", "number", "integration_id", "title", "status", "alias", "alias_key",
                "service_id", "environment", "opened_at", "resolved_at", "last_sequence")
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT ("id") DO NOTHING RETURNING "id"`,
        [
          incident.id,
          incident.number,
          incident.integrationId,
          incident.title,
          incident.status,
          alias,
          key,
          serviceId,
          incident.environment ?? null,
          incident.openedAt,
          incident.resolvedAt ?? null,
          sequence,
        ],
      );
      if (inserted.length > 0) {
        const linked = await new SuspectLinks(em, this.windowMs).forIncidents([incident.id]);
        this.logger.info(
          { incidentId: incident.id, serviceId, suspects: linked, change: change.change },
          serviceId ? 'incident matched to its service' : 'incident of no known service',
        );
        return;
      }
      await em.query(
        `UPDATE ${TABLES.incidents}
            SET "title" = $2, "status" = $3, "resolved_at" = $4, "environment" = COALESCE($5, "environment"),
                "last_sequence" = $6
          WHERE "id" = $1 AND "last_sequence" < $6`,
        [
          incident.id,
          incident.title,
          incident.status,
          incident.resolvedAt ?? null,
          incident.environment ?? null,
          sequence,
        ],
      );
    });
  }

  /** The service an alias names, else the integration's. */
  private async serviceOf(key: string | null, integrationId: string): Promise<string | null> {
    if (key) {
      const rows: { serviceId: string }[] = await this.dataSource.query(
        `SELECT "service_id" AS "serviceId" FROM ${TABLES.aliases} WHERE "alias_key" = $1`,
        [key],
      );
      if (rows[0]) return rows[0].serviceId;
    }
    const serviceId = await this.integrations.serviceOf(integrationId);
    if (!serviceId) return null;
    const exists: unknown[] = await this.dataSource.query(
      `SELECT 1 FROM ${TABLES.services} WHERE "id" = $1`,
      [serviceId],
    );
    return exists.length > 0 ? serviceId : null;
  }
}
