import type { EntityManager } from 'typeorm';
import type { AlertState, IncidentState } from './incident-machine';
import { Incident } from './incident.entity';
import type { TimelineEntry } from './timeline-entry.entity';

/** An incident row with its alerts, as the state machine sees them. */
export interface LoadedIncident {
  row: Incident;
  state: IncidentState;
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

/** The incident with its alerts in one statement, locking the incident row. */
const WITH_ALERTS = (where: string) => `
  SELECT ${COLUMNS},
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
    const rows = await this.em.query<IncidentRecord[]>(
      `${WITH_ALERTS('i."integration_id" = $1 AND i."group_key" = $2')}
       ORDER BY (i."status" = 'resolved'), i."resolved_at" DESC NULLS LAST
       LIMIT 1 ${this.forUpdate}`,
      [integrationId, groupKey],
    );
    return rows[0] ? loaded(rows[0]) : null;
  }

  async byId(id: string): Promise<LoadedIncident | null> {
    const rows = await this.em.query<IncidentRecord[]>(`${WITH_ALERTS('i."id" = $1')} ${this.forUpdate}`, [
      id,
    ]);
    return rows[0] ? loaded(rows[0]) : null;
  }

  async insert(
    row: Omit<Incident, 'number' | 'acknowledgedBy' | 'resolvedBy' | 'reopenCount'>,
  ): Promise<Incident> {
    const rows = await this.em.query<IncidentRecord[]>(
      `INSERT INTO "incident_state"."incidents" AS i
         ("id", "integration_id", "service_id", "dedup_key", "group_key", "service", "status", "title",
          "description", "severity", "alert_count", "opened_at", "acknowledged_at", "resolved_at", "last_event_at")
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
       RETURNING ${COLUMNS}`,
      [
        row.id,
        row.integrationId,
        row.serviceId,
        row.dedupKey,
        row.groupKey,
        row.service,
        row.status,
        row.title,
        row.description,
        row.severity,
        row.alertCount,
        row.openedAt,
        row.acknowledgedAt,
        row.resolvedAt,
        row.lastEventAt,
      ],
    );
    return toIncident(rows[0]);
  }

  async update(row: Incident): Promise<void> {
    await this.em.query(
      `UPDATE "incident_state"."incidents" SET "status" = $2, "title" = $3, "description" = $4,
         "severity" = $5, "service" = $6, "alert_count" = $7, "acknowledged_at" = $8,
         "acknowledged_by" = $9, "resolved_at" = $10, "resolved_by" = $11, "reopen_count" = $12,
         "last_event_at" = $13
       WHERE "id" = $1`,
      [
        row.id,
        row.status,
        row.title,
        row.description,
        row.severity,
        row.service,
        row.alertCount,
        row.acknowledgedAt,
        row.acknowledgedBy,
        row.resolvedAt,
        row.resolvedBy,
        row.reopenCount,
        row.lastEventAt,
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
    const rows = alerts.filter((a) => changed === undefined || a.dedupKey === changed);
    if (rows.length === 0) return;
    const values: unknown[] = [];
    const tuples = rows.map((a) => {
      const last = a.transitions[a.transitions.length - 1];
      const quietAt = a.flapping && last !== undefined ? new Date(last + flapQuietMs) : null;
      const at = values.length;
      values.push(incidentId, a.dedupKey, a.status, a.count, new Date(a.firstSeen), new Date(a.lastSeen));
      values.push(JSON.stringify(a.transitions), a.flapping, quietAt);
      return `(${Array.from({ length: 9 }, (_, i) => `$${at + i + 1}`).join(', ')})`;
    });
    await this.em.query(
      `INSERT INTO "incident_state"."alerts"
         ("incident_id", "dedup_key", "status", "count", "first_seen", "last_seen", "transitions", "flapping", "quiet_at")
       VALUES ${tuples.join(', ')}
       ON CONFLICT ("incident_id", "dedup_key") DO UPDATE SET "status" = EXCLUDED."status",
         "count" = EXCLUDED."count", "first_seen" = EXCLUDED."first_seen", "last_seen" = EXCLUDED."last_seen",
         "transitions" = EXCLUDED."transitions", "flapping" = EXCLUDED."flapping", "quiet_at" = EXCLUDED."quiet_at"`,
      values,
    );
  }

  async record(entry: Omit<TimelineEntry, 'id' | 'incident'>): Promise<void> {
    await this.em.query(
      `INSERT INTO "incident_state"."timeline"
         ("incident_id", "at", "kind", "actor", "change", "outcome", "dedup_key", "hook_id", "detail")
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        entry.incidentId,
        entry.at,
        entry.kind,
        entry.actor,
        entry.change,
        entry.outcome,
        entry.dedupKey,
        entry.hookId,
        entry.detail === null ? null : entry.detail.slice(0, 2000),
      ],
    );
  }
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
