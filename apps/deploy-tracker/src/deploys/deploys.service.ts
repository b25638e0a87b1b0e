import { Injectable } from '@nestjs/common';
import { DeployTrackerSettings } from '@tocsin/config';
import {
  CONSUMERS,
  DeployRecorded,
  SUBJECTS,
  aliasKey,
  type DeployReceivedV1,
  type DeployRecordedV1,
} from '@tocsin/contracts';
import { JetStreamPublisher, uuidv7 } from '@tocsin/messaging';
import { Inbox } from '@tocsin/persistence';
import { PinoLogger } from 'nestjs-pino';
import type { EntityManager } from 'typeorm';
import { SuspectLinks } from '../incidents/suspect-links.repository';
import { lockAlias, returning, TABLES } from '../tables';

/** A deploy number that continues a sequence: a whole number a bigint holds. */
const SEQUENCE_NUMBER = /^\d{1,15}$/;

/**
 * Records received deploys, once each. In one transaction with its inbox entry: the deploy row
 * (a second one with the same integration and dedup_id records nothing), its number, its service
 * (by the alias sent, or the integration's) or else its suggestion, and its suspect links to
 * incidents that opened after it. Then `deploy.recorded` is published for a deploy of a service.
 */
@Injectable()
export class DeploysService {
  private readonly windowMs: number;

  constructor(
    private readonly inbox: Inbox,
    private readonly publisher: JetStreamPublisher,
    private readonly logger: PinoLogger,
    settings: DeployTrackerSettings,
  ) {
    this.windowMs = settings.DEPLOY_SUSPECT_WINDOW_MINUTES * 60_000;
  }

  async record(deploy: DeployReceivedV1, messageId: string): Promise<void> {
    const { result } = await this.inbox.applyOnce(CONSUMERS.deployTrackerDeploys.durable, messageId, (em) =>
      this.recordIn(em, deploy),
    );
    if (!result) return;
    await this.publisher.publish(SUBJECTS.deployRecorded(result.serviceId), DeployRecorded, result, {
      messageId: `recorded:${result.deployId}`,
    });
  }

  private async recordIn(em: EntityManager, d: DeployReceivedV1): Promise<DeployRecordedV1 | null> {
    const key = d.service !== undefined ? aliasKey(d.service) : null;
    // Linking this alias to a service and recording its deploys exclude each other (AliasLinks).
    if (key) await lockAlias(em, key);
    const serviceId = await this.serviceOf(em, d, key);
    const inserted: { id: string }[] = await em.query(
      `INSERT INTO ${TABLES.deploys} ("id", "integration_id", "source", "service_id", "alias", "alias_key",
              "environment", "deploy_number", "deployed_at", "received_at", "description", "dedup_id",
              "deployer", "commit", "commit_sha", "deploy_url", "links")
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
       ON CONFLICT DO NOTHING RETURNING "id"`,
      [
        d.deployId,
        d.integrationId,
        d.source,
        serviceId,
        d.service ?? null,
        key,
        d.environment ?? null,
        d.deployNumber ?? null,
        d.deployedAt,
        d.receivedAt,
        d.description,
        d.dedupId ?? null,
        d.deployer ? JSON.stringify(d.deployer) : null,
        d.commit ? JSON.stringify(d.commit) : null,
        d.commit?.sha?.toLowerCase() ?? null,
        d.deployUrl ?? null,
        JSON.stringify(d.links ?? []),
      ],
    );
    if (inserted.length === 0) {
      this.logger.info(
        { deployId: d.deployId, integrationId: d.integrationId, dedupId: d.dedupId },
        'deploy not recorded: the integration has a deploy with this dedup_id already',
      );
      return null;
    }
    const explicit =
      d.deployNumber !== undefined && SEQUENCE_NUMBER.test(d.deployNumber) ? d.deployNumber : null;
    // A deploy that brings a number of its own that is not a sequence number (`v2.3`) takes none.
    const advance = d.deployNumber === undefined || explicit !== null;
    let sequence: string | null = null;
    if (serviceId && advance) {
      // The service row is locked until commit: concurrent deploys of one service number in turn.
      const rows = await returning<{ last: string }>(
        em,
        `UPDATE ${TABLES.services}
            SET "last_deploy_number" = CASE WHEN $2::bigint IS NULL THEN "last_deploy_number" + 1
                                            ELSE GREATEST("last_deploy_number", $2::bigint) END
          WHERE "id" = $1 RETURNING "last_deploy_number" AS "last"`,
        [serviceId, explicit],
      );
      sequence = rows[0]?.last ?? null;
    } else if (!serviceId && key && d.service !== undefined) {
      sequence = await this.suggest(em, key, d.service, new Date(d.receivedAt), explicit, advance);
    }
    const deployNumber = d.deployNumber ?? sequence;
    if (d.deployNumber === undefined && deployNumber !== null) {
      await em.query(`UPDATE ${TABLES.deploys} SET "deploy_number" = $2 WHERE "id" = $1`, [
        d.deployId,
        deployNumber,
      ]);
    }
    this.logger.info(
      { deployId: d.deployId, serviceId, alias: d.service, deployNumber },
      serviceId ? 'deploy recorded' : 'deploy recorded without a service',
    );
    if (!serviceId) return null;
    await new SuspectLinks(em, this.windowMs).forDeploys([d.deployId]);
    return {
      deployId: d.deployId,
      serviceId,
      integrationId: d.integrationId,
      ...(d.service !== undefined ? { service: d.service } : {}),
      ...(d.environment !== undefined ? { environment: d.environment } : {}),
      ...(deployNumber !== null ? { deployNumber } : {}),
      deployedAt: d.deployedAt,
      ...(d.commit?.sha !== undefined ? { commitSha: d.commit.sha } : {}),
    };
  }

  /** The service the alias names, else the integration's (when it still exists). */
  private async serviceOf(
    em: EntityManager,
    d: DeployReceivedV1,
    key: string | null,
  ): Promise<string | null> {
    if (key) {
      const rows: { serviceId: string }[] = await em.query(
        `SELECT "service_id" AS "serviceId" FROM ${TABLES.aliases} WHERE "alias_key" = $1`,
        [key],
      );
      if (rows[0]) return rows[0].serviceId;
    }
    if (d.serviceId) {
      const rows: unknown[] = await em.query(`SELECT 1 FROM ${TABLES.services} WHERE "id" = $1`, [
        d.serviceId,
      ]);
      if (rows.length > 0) return d.serviceId;
    }
    return null;
  }

  /** Counts the deploy on its alias's suggestion (filed now if new), seen `at`; answers the alias's next number. */
  private async suggest(
    em: EntityManager,
    key: string,
    alias: string,
    at: Date,
    explicit: string | null,
    advance: boolean,
  ): Promise<string | null> {
    const rows: { last: string }[] = await em.query(
      `INSERT INTO ${TABLES.suggestions} AS s ("id", "alias_key", "alias", "deploy_count", "first_seen_at",
              "last_seen_at", "last_deploy_number")
       VALUES ($1, $2, $3, 1, $4, $4, COALESCE($5::bigint, CASE WHEN $6::boolean THEN 1 ELSE 0 END))
       ON CONFLICT ("alias_key") DO UPDATE SET
         "deploy_count" = s."deploy_count" + 1,
         "first_seen_at" = LEAST(s."first_seen_at", EXCLUDED."first_seen_at"),
         "last_seen_at" = GREATEST(s."last_seen_at", EXCLUDED."last_seen_at"),
         "last_deploy_number" = CASE WHEN NOT $6::boolean THEN s."last_deploy_number"
                                     WHEN $5::bigint IS NULL THEN s."last_deploy_number" + 1
                                     ELSE GREATEST(s."last_deploy_number", $5::bigint) END
       RETURNING "last_deploy_number" AS "last"`,
      [uuidv7(), key, alias.trim(), at, explicit, advance],
    );
    return rows[0]?.last ?? null;
  }
}
