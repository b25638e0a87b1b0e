import type { EntityManager } from 'typeorm';
import type { AlertState, IncidentState } from './incident-machine';
import { Incident } from './incident.entity';
import type { TimelineEntry } from './timeline-entry.entity';

/** An incident row with its alerts, as the state machine sees them. */
export interface LoadedIncident {
  row: Incident;
  state: IncidentState;
}

/** A key's incident as `forKeys` picks it. */
export interface KeyIncident extends LoadedIncident {
  /**
   * When the most recently resolved of the key's other incidents (not passed over) was resolved
   * (ms); null when it has none.
   */
  othersResolvedAt: number | null;
}

/** The incident columns, as selected and returned by the statements below. */
const COLUMNS = `i."id", i."number", i."integration_id", i."service_id", i."dedup_key", i."group_key",
  i."service", i."status", i."title", i."description", i."severity", i."alert_count", i."opened_at",
  i."acknowledged_at", i."resolved_at", i."last_event_at", i."acknowledged_by", i."resolved_by",
  i."reopen_count"`;

interface IncidentRecord {
  id: string;
  number: string;
  integration_id: string;
  service_id: string | null;
  dedup_key: string;
  group_key: string;
  service: string | null;
  status: Incident['status'];
  title: string;
  description: string | null;
  severity: Incident['severity'];
  alert_count: number;
  opened_at: Date;
  acknowledged_at: Date | null;
  resolved_at: Date | null;
  last_event_at: Date;
  acknowledged_by: string | null;
  resolved_by: string | null;
  reopen_count: number;
  alerts?: AlertRecord[] | null;
}

interface AlertRecord {
  dedup_key: string;
  status: AlertState['status'];
  count: number;
  first_seen: string;
  last_seen: string;
  transitions: number[];
  flapping: boolean;
}

/** The incident with its alerts (and any `extra` columns) in one statement. */
const WITH_ALERTS = (where: string, extra = '') => `
  SELECT ${COLUMNS},${extra}
    (SELECT json_agg(json_build_object(
        'dedup_key', a."dedup_key", 'status', a."status", 'count', a."count",
        'first_seen', a."first_seen", 'last_seen', a."last_seen",
        'transitions', a."transitions", 'flapping', a."flapping")
      ORDER BY a."first_seen", a."dedup_key")
     FROM "incident_state"."alerts" a WHERE a."incident_id" = i."id") AS "alerts"
  FROM "incident_state"."incidents" i
  WHERE ${where}`;

/**
 * Reads and writes incidents, their alerts and their timeline inside the caller's transaction, in
 * plain SQL: this is the path every event takes. Reads lock the incident row (unless built with
 * `lock: false`), so an event and a person acting on the same incident take turns.
 */
export class IncidentRepository {
  constructor(
    private readonly em: EntityManager,
    private readonly lock = true,
  ) {}

  private get forUpdate(): string {
    return this.lock ? 'FOR UPDATE OF i' : '';
  }

  /** The open incident of a key, else the most recently resolved one. */
  async forKey(integrationId: string, groupKey: string): Promise<LoadedIncident | null> {
    const found = await this.forKeys([{ integrationId, groupKey }]);
    return found.get(incidentKey(integrationId, groupKey)) ?? null;
  }

  /**
   * For each key, its open incident, else its most recently resolved one; keyed by `incidentKey`.
   * Incidents in `except` (already in the caller's hands) are passed over. One statement for the
   * whole batch; rows are locked in id order, so two batches never wait on each other in a circle.
   */
  async forKeys(
    keys: { integrationId: string; groupKey: string }[],
    except: string[] = [],
  ): Promise<Map<string, KeyIncident>> {
    if (keys.length === 0) return new Map();
    const rows = await this.em.query<(IncidentRecord & { others_resolved_at: Date | null })[]>(
      `${WITH_ALERTS(
        `i."id" IN (
         SELECT (SELECT j."id" FROM "incident_state"."incidents" j
                 WHERE j."integration_id" = k."integration_id" AND j."group_key" = k."group_key"
                   AND j."id" <> ALL($3::uuid[])
                 ORDER BY (j."status" = 'resolved'), j."resolved_at" DESC NULLS LAST LIMIT 1)
         FROM unnest($1::uuid[], $2::text[]) AS k("integration_id", "group_key"))`,
        `
    (SELECT max(j."resolved_at") FROM "incident_state"."incidents" j
     WHERE j."integration_id" = i."integration_id" AND j."group_key" = i."group_key"
       AND j."id" <> i."id" AND j."id" <> ALL($3::uuid[])) AS "others_resolved_at",`,
      )}
       ORDER BY i."id" ${this.forUpdate}`,
      [keys.map((k) => k.integrationId), keys.map((k) => k.groupKey), except],
    );
    return new Map(
      rows.map((r) => [
        incidentKey(r.integration_id, r.group_key),
        { ...loaded(r), othersResolvedAt: r.others_resolved_at?.getTime() ?? null },
      ]),
    );
  }

  async byId(id: string): Promise<LoadedIncident | null> {
    const rows = await this.em.query<IncidentRecord[]>(`${WITH_ALERTS('i."id" = $1')} ${this.forUpdate}`, [
      id,
    ]);
    return rows[0] ? loaded(rows[0]) : null;
  }

  /**
   * Inserts new incidents, as they stand (one opened and changed again in the same transaction is
   * inserted once); the database numbers them, in the order given.
   */
  async insertMany(rows: (NewIncident & Partial<Incident>)[]): Promise<Incident[]> {
    if (rows.length === 0) return [];
    const inserted = await this.em.query<IncidentRecord[]>(
      `INSERT INTO "incident_state"."incidents" AS i
         ("id", "integration_id", "service_id", "dedup_key", "group_key", "service", "status", "title",
          "description", "severity", "alert_count", "opened_at", "acknowledged_at", "resolved_at", "last_event_at",
          "acknowledged_by", "resolved_by", "reopen_count")
       SELECT "id", "integration_id", "service_id", "dedup_key", "group_key", "service", "status", "title",
         "description", "severity", "alert_count", "opened_at", "acknowledged_at", "resolved_at", "last_event_at",
         "acknowledged_by", "resolved_by", "reopen_count"
       FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[],
         $8::text[], $9::text[], $10::text[], $11::integer[], $12::timestamptz[], $13::timestamptz[],
         $14::timestamptz[], $15::timestamptz[], $16::text[], $17::text[], $18::integer[]) WITH ORDINALITY
         AS v("id", "integration_id", "service_id", "dedup_key", "group_key", "service", "status", "title",
              "description", "severity", "alert_count", "opened_at", "acknowledged_at", "resolved_at",
              "last_event_at", "acknowledged_by", "resolved_by", "reopen_count", "n")
       ORDER BY v."n"
       RETURNING ${COLUMNS}`,
      [
        rows.map((r) => r.id),
        rows.map((r) => r.integrationId),
        rows.map((r) => r.serviceId),
        rows.map((r) => r.dedupKey),
        rows.map((r) => r.groupKey),
        rows.map((r) => r.service),
        rows.map((r) => r.status),
        rows.map((r) => r.title),
        rows.map((r) => r.description),
        rows.map((r) => r.severity),
        rows.map((r) => r.alertCount),
        rows.map((r) => r.openedAt),
        rows.map((r) => r.acknowledgedAt),
        rows.map((r) => r.resolvedAt),
        rows.map((r) => r.lastEventAt),
        rows.map((r) => r.acknowledgedBy ?? null),
        rows.map((r) => r.resolvedBy ?? null),
        rows.map((r) => r.reopenCount ?? 0),
      ],
    );
    const byId = new Map(inserted.map((r) => [r.id, toIncident(r)]));
    return rows.map((r) => byId.get(r.id) as Incident);
  }

  async update(row: Incident): Promise<void> {
    await this.updateMany([row]);
  }

  /** Writes the mutable columns of incidents that exist. */
  async updateMany(rows: Incident[]): Promise<void> {
    if (rows.length === 0) return;
    await this.em.query(
      `UPDATE "incident_state"."incidents" AS i SET "status" = v."status", "title" = v."title",
         "description" = v."description", "severity" = v."severity", "service" = v."service",
         "alert_count" = v."alert_count", "acknowledged_at" = v."acknowledged_at",
         "acknowledged_by" = v."acknowledged_by", "resolved_at" = v."resolved_at",
         "resolved_by" = v."resolved_by", "reopen_count" = v."reopen_count", "last_event_at" = v."last_event_at"
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::integer[],
         $8::timestamptz[], $9::text[], $10::timestamptz[], $11::text[], $12::integer[], $13::timestamptz[])
         AS v("id", "status", "title", "description", "severity", "service", "alert_count", "acknowledged_at",
              "acknowledged_by", "resolved_at", "resolved_by", "reopen_count", "last_event_at")
       WHERE i."id" = v."id"`,
      [
        rows.map((r) => r.id),
        rows.map((r) => r.status),
        rows.map((r) => r.title),
        rows.map((r) => r.description),
        rows.map((r) => r.severity),
        rows.map((r) => r.service),
        rows.map((r) => r.alertCount),
        rows.map((r) => r.acknowledgedAt),
        rows.map((r) => r.acknowledgedBy),
        rows.map((r) => r.resolvedAt),
        rows.map((r) => r.resolvedBy),
        rows.map((r) => r.reopenCount),
        rows.map((r) => r.lastEventAt),
      ],
    );
  }

  /** Writes the alerts that changed (all of them, when `changed` is omitted). */
  async saveAlerts(
    incidentId: string,
    alerts: AlertState[],
    flapQuietMs: number,
    changed?: string,
  ): Promise<void> {
    await this.saveAlertsMany([{ incidentId, alerts, flapQuietMs, changed }]);
  }

  /** `saveAlerts` for several incidents in one statement. */
  async saveAlertsMany(writes: AlertWrite[]): Promise<void> {
    const rows = writes.flatMap((w) =>
      w.alerts
        .filter((a) => w.changed === undefined || a.dedupKey === w.changed)
        .map((a) => {
          const last = a.transitions[a.transitions.length - 1];
          const quietAt = a.flapping && last !== undefined ? new Date(last + w.flapQuietMs) : null;
          return { incidentId: w.incidentId, alert: a, quietAt };
        }),
    );
    if (rows.length === 0) return;
    await this.em.query(
      `INSERT INTO "incident_state"."alerts"
         ("incident_id", "dedup_key", "status", "count", "first_seen", "last_seen", "transitions", "flapping", "quiet_at")
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::integer[], $5::timestamptz[],
         $6::timestamptz[], $7::jsonb[], $8::boolean[], $9::timestamptz[])
       ON CONFLICT ("incident_id", "dedup_key") DO UPDATE SET "status" = EXCLUDED."status",
         "count" = EXCLUDED."count", "first_seen" = EXCLUDED."first_seen", "last_seen" = EXCLUDED."last_seen",
         "transitions" = EXCLUDED."transitions", "flapping" = EXCLUDED."flapping", "quiet_at" = EXCLUDED."quiet_at"`,
      [
        rows.map((r) => r.incidentId),
        rows.map((r) => r.alert.dedupKey),
        rows.map((r) => r.alert.status),
        rows.map((r) => r.alert.count),
        rows.map((r) => new Date(r.alert.firstSeen)),
        rows.map((r) => new Date(r.alert.lastSeen)),
        rows.map((r) => JSON.stringify(r.alert.transitions)),
        rows.map((r) => r.alert.flapping),
        rows.map((r) => r.quietAt),
      ],
    );
  }

  async record(entry: NewTimelineEntry): Promise<void> {
    await this.recordMany([entry]);
  }

  /** Appends timeline entries, in the order given. */
  async recordMany(entries: NewTimelineEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await this.em.query(
      `INSERT INTO "incident_state"."timeline"
         ("incident_id", "at", "kind", "actor", "change", "outcome", "dedup_key", "hook_id", "detail")
       SELECT "incident_id", "at", "kind", "actor", "change", "outcome", "dedup_key", "hook_id", "detail"
       FROM unnest($1::uuid[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
         $8::text[], $9::text[]) WITH ORDINALITY
         AS v("incident_id", "at", "kind", "actor", "change", "outcome", "dedup_key", "hook_id", "detail", "n")
       ORDER BY v."n"`,
      [
        entries.map((e) => e.incidentId),
        entries.map((e) => e.at),
        entries.map((e) => e.kind),
        entries.map((e) => e.actor),
        entries.map((e) => e.change),
        entries.map((e) => e.outcome),
        entries.map((e) => e.dedupKey),
        entries.map((e) => e.hookId),
        entries.map((e) => (e.detail === null ? null : e.detail.slice(0, 2000))),
      ],
    );
  }
}

/** The key of an incident within its integration, as `forKeys` answers it. */
export function incidentKey(integrationId: string, groupKey: string): string {
  return `${integrationId}\n${groupKey}`;
}

export type NewIncident = Omit<Incident, 'number' | 'acknowledgedBy' | 'resolvedBy' | 'reopenCount'>;
export type NewTimelineEntry = Omit<TimelineEntry, 'id' | 'incident'>;

export interface AlertWrite {
  incidentId: string;
  alerts: AlertState[];
  flapQuietMs: number;
  /** Only this alert changed; write just it. */
  changed?: string;
}

function toIncident(r: IncidentRecord): Incident {
  return Object.assign(new Incident(), {
    id: r.id,
    number: Number(r.number),
    integrationId: r.integration_id,
    serviceId: r.service_id,
    dedupKey: r.dedup_key,
    groupKey: r.group_key,
    service: r.service,
    status: r.status,
    title: r.title,
    description: r.description,
    severity: r.severity,
    alertCount: r.alert_count,
    openedAt: r.opened_at,
    acknowledgedAt: r.acknowledged_at,
    resolvedAt: r.resolved_at,
    lastEventAt: r.last_event_at,
    acknowledgedBy: r.acknowledged_by,
    resolvedBy: r.resolved_by,
    reopenCount: r.reopen_count,
  });
}

function loaded(r: IncidentRecord): LoadedIncident {
  const row = toIncident(r);
  return {
    row,
    state: {
      status: row.status,
      openedAt: row.openedAt.getTime(),
      resolvedAt: row.resolvedAt?.getTime() ?? null,
      alerts: (r.alerts ?? []).map((a) => ({
        dedupKey: a.dedup_key,
        status: a.status,
        count: a.count,
        firstSeen: Date.parse(a.first_seen),
        lastSeen: Date.parse(a.last_seen),
        transitions: a.transitions,
        flapping: a.flapping,
      })),
    },
  };
}

/** Copies the machine's verdict onto the row. */
export function applyState(row: Incident, state: IncidentState, at: Date): void {
  row.status = state.status;
  row.resolvedAt = state.resolvedAt === null ? null : new Date(state.resolvedAt);
  row.alertCount = state.alerts.reduce((sum, a) => sum + a.count, 0);
  if (at > row.lastEventAt) row.lastEventAt = at;
}
