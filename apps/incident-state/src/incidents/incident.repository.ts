import type { EntityManager } from 'typeorm';
import { Alert } from './alert.entity';
import type { AlertState, IncidentState } from './incident-machine';
import { Incident } from './incident.entity';
import { TimelineEntry } from './timeline-entry.entity';

/** An incident row with its alerts, as the state machine sees them. */
export interface LoadedIncident {
  row: Incident;
  state: IncidentState;
}

/**
 * Reads and writes incidents and their alerts inside the caller's transaction. Every read locks
 * the incident row, so an event and a person acting on the same incident take turns.
 */
export class IncidentRepository {
  /** `lock: false` reads without locking, for previews that change nothing. */
  constructor(
    private readonly em: EntityManager,
    private readonly lock = true,
  ) {}

  /** The open incident of a key, else the most recently resolved one; locked. */
  async forKey(integrationId: string, groupKey: string): Promise<LoadedIncident | null> {
    const query = this.em.getRepository(Incident).createQueryBuilder('i');
    if (this.lock) query.setLock('pessimistic_write');
    const row = await query
      .where('i.integration_id = :integrationId AND i.group_key = :groupKey', { integrationId, groupKey })
      .orderBy(`CASE WHEN i.status <> 'resolved' THEN 0 ELSE 1 END`)
      .addOrderBy('i.resolved_at', 'DESC', 'NULLS LAST')
      .limit(1)
      .getOne();
    return row ? this.withAlerts(row) : null;
  }

  async byId(id: string): Promise<LoadedIncident | null> {
    const row = await this.em
      .getRepository(Incident)
      .createQueryBuilder('i')
      .setLock('pessimistic_write')
      .where('i.id = :id', { id })
      .getOne();
    return row ? this.withAlerts(row) : null;
  }

  async insert(
    row: Omit<Incident, 'number' | 'acknowledgedBy' | 'resolvedBy' | 'reopenCount'>,
  ): Promise<Incident> {
    await this.em.getRepository(Incident).insert(row);
    return this.em.getRepository(Incident).findOneByOrFail({ id: row.id });
  }

  async update(row: Incident): Promise<void> {
    await this.em.getRepository(Incident).update(
      { id: row.id },
      {
        status: row.status,
        title: row.title,
        description: row.description,
        severity: row.severity,
        service: row.service,
        alertCount: row.alertCount,
        acknowledgedAt: row.acknowledgedAt,
        acknowledgedBy: row.acknowledgedBy,
        resolvedAt: row.resolvedAt,
        resolvedBy: row.resolvedBy,
        reopenCount: row.reopenCount,
        lastEventAt: row.lastEventAt,
      },
    );
  }

  /** Writes the alerts that changed (all of them, when `changed` is omitted). */
  async saveAlerts(
    incidentId: string,
    alerts: AlertState[],
    flapQuietMs: number,
    changed?: string,
  ): Promise<void> {
    const rows = alerts
      .filter((a) => changed === undefined || a.dedupKey === changed)
      .map((a) => {
        const last = a.transitions[a.transitions.length - 1];
        return {
          incidentId,
          dedupKey: a.dedupKey,
          status: a.status,
          count: a.count,
          firstSeen: new Date(a.firstSeen),
          lastSeen: new Date(a.lastSeen),
          transitions: a.transitions,
          flapping: a.flapping,
          quietAt: a.flapping && last !== undefined ? new Date(last + flapQuietMs) : null,
        };
      });
    if (rows.length === 0) return;
    await this.em
      .createQueryBuilder()
      .insert()
      .into(Alert)
      .values(rows)
      .orUpdate(
        ['status', 'count', 'first_seen', 'last_seen', 'transitions', 'flapping', 'quiet_at'],
        ['incident_id', 'dedup_key'],
      )
      .execute();
  }

  async record(entry: Omit<TimelineEntry, 'id' | 'incident'>): Promise<void> {
    await this.em.getRepository(TimelineEntry).insert({
      ...entry,
      detail: entry.detail === null ? null : entry.detail.slice(0, 2000),
    });
  }

  private async withAlerts(row: Incident): Promise<LoadedIncident> {
    const alerts = await this.em
      .getRepository(Alert)
      .find({ where: { incidentId: row.id }, order: { firstSeen: 'ASC', dedupKey: 'ASC' } });
    return {
      row,
      state: {
        status: row.status,
        openedAt: row.openedAt.getTime(),
        resolvedAt: row.resolvedAt?.getTime() ?? null,
        alerts: alerts.map((a) => ({
          dedupKey: a.dedupKey,
          status: a.status,
          count: a.count,
          firstSeen: a.firstSeen.getTime(),
          lastSeen: a.lastSeen.getTime(),
          transitions: a.transitions,
          flapping: a.flapping,
        })),
      },
    };
  }
}

/** Copies the machine's verdict onto the row. */
export function applyState(row: Incident, state: IncidentState, at: Date): void {
  row.status = state.status;
  row.resolvedAt = state.resolvedAt === null ? null : new Date(state.resolvedAt);
  row.alertCount = state.alerts.reduce((sum, a) => sum + a.count, 0);
  if (at > row.lastEventAt) row.lastEventAt = at;
}
