import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { IncidentChangedV1 } from '@tocsin/contracts';
import { PeriodicTask } from '@tocsin/platform';
import { PinoLogger } from 'nestjs-pino';
import { DataSource, type EntityManager } from 'typeorm';
import { MaintenanceWindow } from '../maintenance/maintenance-window.entity';
import { Alert } from './alert.entity';
import { IncidentRepository } from './incident.repository';
import { Incident } from './incident.entity';
import { toSnapshot } from './incident.view';
import { IncidentsService } from './incidents.service';

/** How often the timers are looked at. Every replica sweeps; rows are claimed with SKIP LOCKED. */
export const SWEEP_INTERVAL_MS = 10_000;
const BATCH = 50;

export interface SweepReport {
  calmed: number;
  windowsEnded: number;
  paged: number;
}

/**
 * The timers of incident-state, kept in PostgreSQL: flapping alerts that have been quiet long
 * enough stop flapping (and paging resumes), and when a maintenance window ends, the incidents it
 * held that are still open page as if they had just opened.
 */
@Injectable()
export class SweeperService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly task = new PeriodicTask(
    async () => {
      await this.sweep(new Date());
    },
    (error) => this.logger.warn({ err: error }, 'sweep failed; retrying at the next interval'),
  );

  constructor(
    private readonly dataSource: DataSource,
    private readonly incidents: IncidentsService,
    private readonly logger: PinoLogger,
  ) {}

  onApplicationBootstrap(): void {
    this.task.start(SWEEP_INTERVAL_MS);
  }

  onApplicationShutdown(): Promise<void> {
    return this.task.stop();
  }

  async sweep(now: Date): Promise<SweepReport> {
    const calmed = await this.calmFlapping(now);
    const { windowsEnded, paged } = await this.endWindows(now);
    return { calmed, windowsEnded, paged };
  }

  private async calmFlapping(now: Date): Promise<number> {
    let calmed = 0;
    for (;;) {
      const changes = await this.dataSource.transaction(async (em) => {
        const alerts = await em
          .getRepository(Alert)
          .createQueryBuilder('a')
          .setLock('pessimistic_write')
          .setOnLocked('skip_locked')
          .where('a.flapping AND a.quiet_at <= :now', { now })
          .take(BATCH)
          .getMany();
        const out: IncidentChangedV1[] = [];
        for (const alert of alerts) {
          await em
            .getRepository(Alert)
            .update(
              { incidentId: alert.incidentId, dedupKey: alert.dedupKey },
              { flapping: false, quietAt: null, transitions: [] },
            );
          const incident = await em.getRepository(Incident).findOneByOrFail({ id: alert.incidentId });
          const detail = `alert ${alert.dedupKey.slice(0, 100)} is quiet again; paging resumes`;
          await this.system(em, incident.id, now, 'updated', detail);
          out.push({
            change: 'updated',
            incident: toSnapshot(incident),
            actor: 'system',
            page: false,
            alert: { dedupKey: alert.dedupKey, status: alert.status, count: alert.count, flapping: false },
            detail,
          });
        }
        return out;
      });
      if (changes.length === 0) return calmed;
      await this.incidents.announce(changes, `calm:${now.getTime()}`);
      calmed += changes.length;
    }
  }

  private async endWindows(now: Date): Promise<{ windowsEnded: number; paged: number }> {
    let windowsEnded = 0;
    let paged = 0;
    for (;;) {
      const result = await this.dataSource.transaction(async (em) => {
        const windows = await em
          .getRepository(MaintenanceWindow)
          .createQueryBuilder('w')
          .setLock('pessimistic_write')
          .setOnLocked('skip_locked')
          .where('NOT w.ended AND w.ends_at <= :now', { now })
          .take(BATCH)
          .getMany();
        const out: { change: IncidentChangedV1; causeId: string }[] = [];
        for (const window of windows) {
          await em.getRepository(MaintenanceWindow).update({ id: window.id }, { ended: true });
          const held = await em
            .getRepository(Incident)
            .createQueryBuilder('i')
            .where(`i.status <> 'resolved' AND i.opened_at >= :from AND i.opened_at < :to`, {
              from: window.startsAt,
              to: window.endsAt,
            })
            .andWhere(
              window.integrationId && window.service
                ? '(i.integration_id = :integrationId OR i.service = :service)'
                : window.integrationId
                  ? 'i.integration_id = :integrationId'
                  : 'i.service = :service',
              { integrationId: window.integrationId, service: window.service },
            )
            .getMany();
          for (const incident of held) {
            const detail = 'the maintenance window ended and the incident is still open';
            await this.system(em, incident.id, now, 'opened', detail);
            out.push({
              change: {
                change: 'opened',
                incident: toSnapshot(incident),
                actor: 'system',
                page: true,
                detail,
              },
              causeId: `maintenance:${window.id}`,
            });
          }
        }
        return { windows: windows.length, out };
      });
      for (const { change, causeId } of result.out) await this.incidents.announce([change], causeId);
      windowsEnded += result.windows;
      paged += result.out.length;
      if (result.windows < BATCH) return { windowsEnded, paged };
    }
  }

  private async system(
    em: EntityManager,
    incidentId: string,
    at: Date,
    change: string,
    detail: string,
  ): Promise<void> {
    await new IncidentRepository(em).record({
      incidentId,
      at,
      kind: 'system',
      actor: 'system',
      change,
      outcome: null,
      dedupKey: null,
      hookId: null,
      detail,
    });
  }
}
