import type {
  AlertView,
  IncidentDetailView,
  IncidentSnapshotV1,
  IncidentView,
  TimelineEntryView,
} from '@tocsin/contracts';
import type { Alert } from './alert.entity';
import type { Incident } from './incident.entity';
import type { TimelineEntry } from './timeline-entry.entity';

export function toSnapshot(i: Incident): IncidentSnapshotV1 {
  return {
    id: i.id,
    number: i.number,
    integrationId: i.integrationId,
    dedupKey: i.dedupKey,
    groupKey: i.groupKey,
    status: i.status,
    title: i.title,
    description: i.description,
    severity: i.severity,
    service: i.service,
    alertCount: i.alertCount,
    openedAt: i.openedAt.toISOString(),
    acknowledgedAt: i.acknowledgedAt?.toISOString() ?? null,
    resolvedAt: i.resolvedAt?.toISOString() ?? null,
    lastEventAt: i.lastEventAt.toISOString(),
  };
}

export function toView(i: Incident): IncidentView {
  return {
    id: i.id,
    number: i.number,
    integrationId: i.integrationId,
    serviceId: i.serviceId,
    service: i.service,
    dedupKey: i.dedupKey,
    groupKey: i.groupKey,
    status: i.status,
    title: i.title,
    description: i.description,
    severity: i.severity,
    alertCount: i.alertCount,
    openedAt: i.openedAt.toISOString(),
    acknowledgedAt: i.acknowledgedAt?.toISOString() ?? null,
    acknowledgedBy: i.acknowledgedBy,
    resolvedAt: i.resolvedAt?.toISOString() ?? null,
    resolvedBy: i.resolvedBy,
    reopenCount: i.reopenCount,
    lastEventAt: i.lastEventAt.toISOString(),
    suspectDeploys: [],
  };
}

export function toAlertView(a: Alert): AlertView {
  return {
    dedupKey: a.dedupKey,
    status: a.status,
    count: a.count,
    firstSeen: a.firstSeen.toISOString(),
    lastSeen: a.lastSeen.toISOString(),
    flapping: a.flapping,
  };
}

export function toTimelineView(t: TimelineEntry): TimelineEntryView {
  return {
    id: t.id,
    at: t.at.toISOString(),
    kind: t.kind,
    actor: t.actor,
    change: t.change as TimelineEntryView['change'],
    outcome: t.outcome,
    dedupKey: t.dedupKey,
    hookId: t.hookId,
    detail: t.detail,
  };
}

export function toDetailView(i: Incident, alerts: Alert[], timeline: TimelineEntry[]): IncidentDetailView {
  return { ...toView(i), alerts: alerts.map(toAlertView), timeline: timeline.map(toTimelineView) };
}
