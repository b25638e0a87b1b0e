import type { IncidentSnapshotV1, IncidentView } from '@tocsin/contracts';
import type { Incident } from './incident.entity';

export function toSnapshot(i: Incident): IncidentSnapshotV1 {
  return {
    id: i.id,
    number: i.number,
    integrationId: i.integrationId,
    dedupKey: i.dedupKey,
    status: i.status,
    title: i.title,
    severity: i.severity,
    alertCount: i.alertCount,
    openedAt: i.openedAt.toISOString(),
    acknowledgedAt: i.acknowledgedAt?.toISOString() ?? null,
    resolvedAt: i.resolvedAt?.toISOString() ?? null,
    lastEventAt: i.lastEventAt.toISOString(),
  };
}

export function toView(i: Incident): IncidentView {
  return {
    ...toSnapshot(i),
    acknowledgedAt: i.acknowledgedAt?.toISOString() ?? null,
    resolvedAt: i.resolvedAt?.toISOString() ?? null,
    serviceId: i.serviceId,
    description: i.description,
    suspectDeploys: [],
  };
}
