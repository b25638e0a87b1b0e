import { Injectable } from '@nestjs/common';
import {
  CONSUMERS,
  DEFAULT_INCIDENT_POLICY,
  HEADERS,
  HookOutcome,
  IncidentChanged,
  SUBJECTS,
  type EventNormalizedV1,
  type HookOutcomeV1,
  type IncidentChangedV1,
  type IncidentPolicyV1,
  type PagingHold,
} from '@tocsin/contracts';
import { JetStreamPublisher, uuidv7 } from '@tocsin/messaging';
import { Inbox } from '@tocsin/persistence';
import { PinoLogger } from 'nestjs-pino';
import { QueryFailedError, type EntityManager } from 'typeorm';
import { MaintenanceCalendarService } from '../maintenance/maintenance-calendar.service';
import { applyEvent, type AlertState, type Policy, type Step } from './incident-machine';
import { applyState, IncidentRepository } from './incident.repository';
import type { Incident } from './incident.entity';
import { toSnapshot } from './incident.view';
import { KnownIntegrationsService } from './known-integrations.service';

/** What applying one event decided to announce; stored in the inbox, published after commit. */
export interface Announcements {
  outcome: HookOutcomeV1;
  changes: IncidentChangedV1[];
}

/** Two replicas opened the same key at once; the loser retries and finds the winner's incident. */
export class ConcurrentOpenError extends Error {
  constructor(key: string) {
    super(`another event opened an incident for ${key} at the same moment`);
    this.name = 'ConcurrentOpenError';
  }
}

const MINUTE = 60_000;

export function toPolicy(policy: IncidentPolicyV1 = DEFAULT_INCIDENT_POLICY): Policy {
  return {
    reopenWindowMs: policy.reopenWindowMinutes * MINUTE,
    flapTransitions: policy.flapTransitions,
    flapWindowMs: policy.flapWindowMinutes * MINUTE,
    flapQuietMs: policy.flapQuietMinutes * MINUTE,
  };
}

/** Applies normalized events to incidents, once each, and announces what changed. */
@Injectable()
export class IncidentsService {
  constructor(
    private readonly inbox: Inbox,
    private readonly publisher: JetStreamPublisher,
    private readonly integrations: KnownIntegrationsService,
    private readonly calendar: MaintenanceCalendarService,
    private readonly logger: PinoLogger,
  ) {}

  async apply(received: EventNormalizedV1, messageId: string): Promise<void> {
    const event = storable(received);
    const known = await this.integrations.exists(event.integrationId);
    let announcements: Announcements;
    try {
      ({ result: announcements } = await this.inbox.applyOnce(
        CONSUMERS.incidentStateEvents.durable,
        messageId,
        (em) => (known ? this.applyInTransaction(em, event) : Promise.resolve(this.unknown(event))),
      ));
    } catch (error) {
      if (error instanceof QueryFailedError && (error.driverError as { code?: string }).code === '23505') {
        throw new ConcurrentOpenError(`${event.integrationId}/${event.groupKey ?? event.dedupKey}`);
      }
      throw error;
    }
    const { outcome } = announcements;
    await Promise.all([
      this.announce(announcements.changes, messageId),
      this.publisher.publish(SUBJECTS.hookOutcome(event.integrationId), HookOutcome, outcome, {
        messageId: `outcome:${event.hookId}:${event.index}`,
        headers: {
          [HEADERS.hookId]: event.hookId,
          ...(outcome.incidentId ? { [HEADERS.incidentId]: outcome.incidentId } : {}),
        },
      }),
    ]);
  }

  /** Publishes incident changes with ids derived from what caused them, so a retry is dropped. */
  async announce(changes: IncidentChangedV1[], causeId: string): Promise<void> {
    for (const change of changes) {
      await this.publisher.publish(
        SUBJECTS.incident(change.change, change.incident.id),
        IncidentChanged,
        change,
        {
          messageId: `incident:${change.incident.id}:${change.change}:${causeId}`,
          headers: {
            ...(change.hookId ? { [HEADERS.hookId]: change.hookId } : {}),
            [HEADERS.incidentId]: change.incident.id,
          },
        },
      );
    }
  }

  private unknown(event: EventNormalizedV1): Announcements {
    this.logger.warn(
      { hookId: event.hookId, integrationId: event.integrationId },
      'event for an unknown integration',
    );
    return {
      outcome: {
        hookId: event.hookId,
        index: event.index,
        integrationId: event.integrationId,
        outcome: 'invalid',
        detail: 'the integration does not exist',
      },
      changes: [],
    };
  }

  private async applyInTransaction(em: EntityManager, event: EventNormalizedV1): Promise<Announcements> {
    const incidents = new IncidentRepository(em);
    const policy = toPolicy(event.policy);
    const groupKey = event.groupKey ?? event.dedupKey;
    const at = new Date(event.receivedAt);
    const current = await incidents.forKey(event.integrationId, groupKey);
    const step = applyEvent(
      current?.state ?? null,
      { action: event.action, dedupKey: event.dedupKey, at: at.getTime() },
      policy,
    );
    const actor = `hook:${event.hookId}`;
    const base = { hookId: event.hookId, index: event.index, integrationId: event.integrationId };
    const outcome = (incidentId: string | null): HookOutcomeV1 => ({
      ...base,
      outcome: step.outcome,
      ...(incidentId ? { incidentId } : {}),
      ...(step.reason ? { detail: step.reason } : {}),
    });

    if (step.target === 'none' || !step.next) {
      const open = current && current.row.status !== 'resolved' ? current.row : null;
      if (open) {
        await incidents.record({
          incidentId: open.id,
          at,
          kind: 'event',
          actor,
          change: null,
          outcome: step.outcome,
          dedupKey: event.dedupKey,
          hookId: event.hookId,
          detail: step.reason ?? null,
        });
      }
      this.logger.info(
        { hookId: event.hookId, incidentId: open?.id, outcome: step.outcome, reason: step.reason },
        'event changed no incident',
      );
      return { outcome: outcome(open?.id ?? null), changes: [] };
    }

    let row: Incident;
    if (step.target === 'new') {
      row = await incidents.insert({
        id: uuidv7(),
        integrationId: event.integrationId,
        serviceId: null,
        dedupKey: event.dedupKey,
        groupKey,
        service: event.service ?? null,
        status: 'triggered',
        title: event.title,
        description: event.description ?? null,
        severity: event.severity,
        alertCount: 1,
        openedAt: at,
        acknowledgedAt: null,
        resolvedAt: null,
        lastEventAt: at,
      });
    } else {
      row = (current as NonNullable<typeof current>).row;
      if (step.change === 'acknowledged') {
        row.acknowledgedAt = at;
        row.acknowledgedBy = actor;
      }
      if (step.change === 'resolved') row.resolvedBy = actor;
      if (step.change === 'reopened') {
        row.reopenCount += 1;
        row.acknowledgedAt = null;
        row.acknowledgedBy = null;
        row.resolvedBy = null;
      }
      if (step.change === 'updated' && event.action === 'update') {
        row.title = event.title;
        if (event.description !== undefined) row.description = event.description;
        row.severity = event.severity;
      }
      if (event.service && !row.service) row.service = event.service;
      applyState(row, step.next, at);
      await incidents.update(row);
    }
    await incidents.saveAlerts(row.id, step.next.alerts, policy.flapQuietMs, step.alert?.dedupKey);

    const held = this.hold(row, step.alert, at);
    const changes = this.changesOf(step, row, event, actor, held);
    for (const change of changes) {
      await incidents.record({
        incidentId: row.id,
        at,
        kind: 'event',
        actor,
        change: change.change,
        outcome: step.outcome,
        dedupKey: event.dedupKey,
        hookId: event.hookId,
        detail:
          [change.detail, change.held ? `paging held: ${change.held}` : null].filter(Boolean).join('; ') ||
          null,
      });
    }
    this.logger.info(
      { incidentId: row.id, hookId: event.hookId, changes: changes.map((c) => c.change) },
      `incident ${step.change ?? 'unchanged'}`,
    );
    return { outcome: outcome(row.id), changes };
  }

  private hold(row: Incident, alert: AlertState | null, at: Date): PagingHold | undefined {
    if (this.calendar.covers(row.integrationId, row.service, at)) return 'maintenance';
    return alert?.flapping ? 'flapping' : undefined;
  }

  private changesOf(
    step: Step,
    row: Incident,
    event: EventNormalizedV1,
    actor: string,
    held: PagingHold | undefined,
  ): IncidentChangedV1[] {
    const incident = {
      ...toSnapshot(row),
      ...(event.escalationPolicyId ? { escalationPolicyId: event.escalationPolicyId } : {}),
    };
    const alert = step.alert
      ? {
          dedupKey: step.alert.dedupKey,
          status: step.alert.status,
          count: step.alert.count,
          flapping: step.alert.flapping,
        }
      : undefined;
    const pages =
      step.change === 'opened' ||
      step.change === 'reopened' ||
      (step.newAlert && step.change === 'appended' && (event.policy?.pageOnNewAlert ?? false));
    const changes: IncidentChangedV1[] = [];
    if (step.change) {
      changes.push({
        change: step.change,
        incident,
        hookId: event.hookId,
        actor,
        page: pages && !held,
        ...(pages && held ? { held } : {}),
        ...(alert ? { alert } : {}),
        ...(step.reason ? { detail: step.reason } : {}),
      });
    }
    if (step.startedFlapping) {
      changes.push({
        change: 'flapping',
        incident,
        hookId: event.hookId,
        actor,
        page: false,
        held: 'flapping',
        ...(alert ? { alert } : {}),
        detail: `alert ${step.alert?.dedupKey.slice(0, 100) ?? ''} is flapping; its pages are held until it is quiet`,
      });
    }
    return changes;
  }
}

/** NUL characters, which PostgreSQL text cannot hold; normalize never sends them, others might. */
// eslint-disable-next-line no-control-regex -- the character is the point
const NUL = /\u0000/g;

function storable(event: EventNormalizedV1): EventNormalizedV1 {
  const clean = (text: string): string => text.replace(NUL, '');
  return {
    ...event,
    dedupKey: clean(event.dedupKey) || 'empty',
    title: clean(event.title),
    ...(event.groupKey !== undefined ? { groupKey: clean(event.groupKey) || 'empty' } : {}),
    ...(event.description !== undefined ? { description: clean(event.description) } : {}),
    ...(event.service !== undefined ? { service: clean(event.service) } : {}),
  };
}
