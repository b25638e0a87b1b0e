import { Injectable } from '@nestjs/common';
import { DeployTrackerSettings } from '@tocsin/config';
import { aliasKey, type IncidentChangedV1 } from '@tocsin/contracts';
import { GroupCommit } from '@tocsin/platform';
import { PinoLogger } from 'nestjs-pino';
import { DataSource, type EntityManager } from 'typeorm';
import { TABLES } from '../tables';
import { IntegrationServicesService } from './integration-services.service';
import { SuspectLinks } from './suspect-links.repository';

/** A change waiting to be applied, with its stream sequence. */
interface Submitted {
  change: IncidentChangedV1;
  sequence: number;
}

/** A change of an incident not seen before, with the service it was matched to. */
interface NewIncident {
  item: Submitted;
  alias: string | null;
  aliasKey: string | null;
  serviceId: string | null;
}

/** Changes applied in one transaction at most; more wait for the next. */
const MAX_BATCH = 64;
/** Transactions applying changes at once: one being written while the next gathers. */
const BATCHES_AT_ONCE = 2;

/**
 * Keeps what deploy-tracker needs of each incident, from the changes incident-state announces, and
 * links a new incident to the deploys that came before it. Every change carries the whole incident,
 * so the latest one (by stream sequence) wins, and a change delivered twice or late changes nothing.
 *
 * Changes handled at the same moment are applied together: one read of the incidents they name,
 * then one transaction with one insert for the new incidents and one update for the others (up to
 * two such transactions at once). Two changes of one incident never share a batch. A batch that
 * fails is applied again change by change, so a failing change fails alone.
 */
@Injectable()
export class IncidentsService {
  private readonly windowMs: number;
  private readonly commits = new GroupCommit<Submitted, void>({
    maxBatch: MAX_BATCH,
    concurrency: BATCHES_AT_ONCE,
    key: (item) => item.change.incident.id,
    apply: (items) => this.applyBatch(items),
  });

  constructor(
    private readonly dataSource: DataSource,
    private readonly integrations: IntegrationServicesService,
    private readonly logger: PinoLogger,
    settings: DeployTrackerSettings,
  ) {
    this.windowMs = settings.DEPLOY_SUSPECT_WINDOW_MINUTES * 60_000;
  }

  apply(change: IncidentChangedV1, sequence: number): Promise<void> {
    return this.commits.submit({ change, sequence });
  }

  /** Applies changes of distinct incidents. */
  private async applyBatch(items: Submitted[]): Promise<void[]> {
    const known: { id: string; lastSequence: string }[] = await this.dataSource.query(
      `SELECT "id", "last_sequence" AS "lastSequence" FROM ${TABLES.incidents} WHERE "id" = ANY($1::uuid[])`,
      [items.map((item) => item.change.incident.id)],
    );
    const applied = new Map(known.map((row) => [row.id, Number(row.lastSequence)]));
    const lastOf = (item: Submitted) => applied.get(item.change.incident.id.toLowerCase());
    // The service is looked up only for an incident not seen before: it is matched once, when it opens.
    const fresh = await this.servicesOf(items.filter((item) => lastOf(item) === undefined));
    // A change known to be older than the one applied last is left out (the update checks again).
    const changed = items.filter((item) => {
      const last = lastOf(item);
      return last !== undefined && last < item.sequence;
    });
    if (fresh.length === 0 && changed.length === 0) return items.map(() => undefined);
    const { inserted, linked } = await this.dataSource.transaction(async (em) => {
      const ids = await this.insert(em, fresh);
      const recorded = new Set(ids);
      const links = await new SuspectLinks(em, this.windowMs).forIncidents(ids);
      // A new incident another replica recorded first is updated instead.
      const late = fresh.filter((f) => !recorded.has(f.item.change.incident.id.toLowerCase()));
      await this.update(em, [...changed, ...late.map((f) => f.item)]);
      return { inserted: recorded, linked: links };
    });
    for (const { item, serviceId } of fresh) {
      const { incident } = item.change;
      const id = incident.id.toLowerCase();
      if (!inserted.has(id)) continue;
      this.logger.info(
        { incidentId: incident.id, serviceId, suspects: linked.get(id) ?? 0, change: item.change.change },
        serviceId ? 'incident matched to its service' : 'incident of no known service',
      );
    }
    return items.map(() => undefined);
  }

  /** Inserts incidents unless recorded; answers the ids of those inserted, in lower case. */
  private async insert(em: EntityManager, fresh: NewIncident[]): Promise<string[]> {
    if (fresh.length === 0) return [];
    // In id order, so that two replicas inserting the same incidents take their locks in one order.
    const rows = [...fresh].sort((a, b) => compare(a.item.change.incident.id, b.item.change.incident.id));
    const column = <T>(of: (f: NewIncident) => T): T[] => rows.map(of);
    const inserted: { id: string }[] = await em.query(
      `INSERT INTO ${TABLES.incidents} ("id", "number", "integration_id", "title", "status", "alias", "alias_key",
              "service_id", "environment", "opened_at", "resolved_at", "last_sequence")
       SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[],
              $8::uuid[], $9::text[], $10::timestamptz[], $11::timestamptz[], $12::bigint[])
       ON CONFLICT ("id") DO NOTHING RETURNING "id"`,
      [
        column((f) => f.item.change.incident.id),
        column((f) => f.item.change.incident.number),
        column((f) => f.item.change.incident.integrationId),
        column((f) => f.item.change.incident.title),
        column((f) => f.item.change.incident.status),
        column((f) => f.alias),
        column((f) => f.aliasKey),
        column((f) => f.serviceId),
        column((f) => f.item.change.incident.environment ?? null),
        column((f) => f.item.change.incident.openedAt),
        column((f) => f.item.change.incident.resolvedAt ?? null),
        column((f) => f.item.sequence),
      ],
    );
    return inserted.map((row) => row.id.toLowerCase());
  }

  /** Applies changes to recorded incidents; a change older than the one applied last changes nothing. */
  private async update(em: EntityManager, items: Submitted[]): Promise<void> {
    if (items.length === 0) return;
    const rows = [...items].sort((a, b) => compare(a.change.incident.id, b.change.incident.id));
    const column = <T>(of: (item: Submitted) => T): T[] => rows.map(of);
    await em.query(
      `UPDATE ${TABLES.incidents} AS i
          SET "title" = v."title", "status" = v."status", "resolved_at" = v."resolved_at",
              "environment" = COALESCE(v."environment", i."environment"), "last_sequence" = v."sequence"
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[], $5::text[], $6::bigint[])
              AS v("id", "title", "status", "resolved_at", "environment", "sequence")
        WHERE i."id" = v."id" AND i."last_sequence" < v."sequence"`,
      [
        column((item) => item.change.incident.id),
        column((item) => item.change.incident.title),
        column((item) => item.change.incident.status),
        column((item) => item.change.incident.resolvedAt ?? null),
        column((item) => item.change.incident.environment ?? null),
        column((item) => item.sequence),
      ],
    );
  }

  /** The service of each new incident: the one its alias names, else its integration's. */
  private async servicesOf(items: Submitted[]): Promise<NewIncident[]> {
    if (items.length === 0) return [];
    const fresh: NewIncident[] = items.map((item) => {
      const { service } = item.change.incident;
      const alias = service?.trim() ? service : null;
      return { item, alias, aliasKey: alias ? aliasKey(alias) : null, serviceId: null };
    });
    const keys = [...new Set(fresh.flatMap((f) => (f.aliasKey ? [f.aliasKey] : [])))];
    const byAlias = new Map<string, string>();
    if (keys.length > 0) {
      const rows: { aliasKey: string; serviceId: string }[] = await this.dataSource.query(
        `SELECT "alias_key" AS "aliasKey", "service_id" AS "serviceId" FROM ${TABLES.aliases}
          WHERE "alias_key" = ANY($1::text[])`,
        [keys],
      );
      for (const row of rows) byAlias.set(row.aliasKey, row.serviceId);
    }
    const unmatched = fresh.filter((f) => {
      f.serviceId = (f.aliasKey && byAlias.get(f.aliasKey)) || null;
      return f.serviceId === null;
    });
    if (unmatched.length === 0) return fresh;
    const integrationIds = [...new Set(unmatched.map((f) => f.item.change.incident.integrationId))];
    const ofIntegration = new Map(
      await Promise.all(
        integrationIds.map(async (id) => [id, await this.integrations.serviceOf(id)] as const),
      ),
    );
    const candidates = [...new Set([...ofIntegration.values()].filter((id): id is string => id !== null))];
    const existing = new Set<string>();
    if (candidates.length > 0) {
      const rows: { id: string }[] = await this.dataSource.query(
        `SELECT "id" FROM ${TABLES.services} WHERE "id" = ANY($1::uuid[])`,
        [candidates],
      );
      for (const row of rows) existing.add(row.id.toLowerCase());
    }
    for (const f of unmatched) {
      const serviceId = ofIntegration.get(f.item.change.incident.integrationId) ?? null;
      f.serviceId = serviceId && existing.has(serviceId.toLowerCase()) ? serviceId : null;
    }
    return fresh;
  }
}

function compare(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}
