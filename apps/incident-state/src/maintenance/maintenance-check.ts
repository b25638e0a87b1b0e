import type { EntityManager } from 'typeorm';
import { MaintenanceWindow } from './maintenance-window.entity';

/** Whether a maintenance window covers an integration (or its service) at a moment. */
export async function inMaintenance(
  em: EntityManager,
  integrationId: string,
  service: string | null,
  at: Date,
): Promise<boolean> {
  const query = em
    .getRepository(MaintenanceWindow)
    .createQueryBuilder('w')
    .where('w.starts_at <= :at AND w.ends_at > :at', { at })
    .andWhere(
      service === null
        ? 'w.integration_id = :integrationId'
        : '(w.integration_id = :integrationId OR w.service = :service)',
      { integrationId, service },
    );
  return (await query.getCount()) > 0;
}
