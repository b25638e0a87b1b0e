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
import { GroupCommit } from '@tocsin/platform';
import { PinoLogger } from 'nestjs-pino';
import { QueryFailedError, type EntityManager } from 'typeorm';
import { MaintenanceCalendarService } from '../maintenance/maintenance-calendar.service';
import { applyEvent, type AlertState, type IncidentState, type Policy, type Step } from './incident-machine';
import {
  applyState,
  incidentKey,
  IncidentRepository,
  type LoadedIncident,
  type NewIncident,
  type NewTimelineEntry,
} from './incident.repository';
import { Incident } from './incident.entity';
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

/** An event waiting to be applied, with what the consumer knows of it. */
interface Submitted {
  event: EventNormalizedV1;
  messageId: string;
  /** Whether its integration exists. */
  known: boolean;
}

/** What one event does to the database, decided before anything is written. */
interface Plan {
  item: Submitted;
  step: Step;
  policy: Policy;
  actor: string;
  /** The incident it opens or changes; null when it changes none. */
  row: Incident | null;
  isNew: boolean;
  /** The open incident an event that changes nothing is recorded on. */
  recordOn: Incident | null;
}

/** Events applied in one transaction at most; more wait for the next. */
const MAX_BATCH = 128;
/**
 * Transactions applying events at once (of the pool's 10 connections). Two keeps one batch being
 * written while the next gathers; more split the events in flight into smaller batches, which
 * costs more statements and round trips per event.
 */
const BATCHES_AT_ONCE = 2;

/**
 * Applies normalized events to incidents, once each, and announces what changed.
 *
 * Events handled at the same moment (the consumer handles one per partition at a time, so up to
 * one per partition) are applied together: one transaction, a handful of statements for the whole
 * batch, up to two such transactions at once. Two events of one incident key never share a batch,
 * so each key's events still apply one after another in stream order. A batch that fails is
 * retried event by event, so a failing event fails alone.
 */
@Injectable()
export class IncidentsService {
  private readonly commits = new GroupCommit<Submitted, Announcements>({
    maxBatch: MAX_BATCH,
    concurrency: BATCHES_AT_ONCE,
    key: (item) => incidentKey(item.event.integrationId, item.event.groupKey ?? item.event.dedupKey),
    apply: (items) => this.applyBatch(items),
  });

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
    const announcements = await this.commits.submit({ event, messageId, known });
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
    await Promise.all(
      changes.map((change) =>
        this.publisher.publish(
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
        ),
      ),
    );
  }

  private async applyBatch(items: Submitted[]): Promise<Announcements[]> {
    try {
      const results = await this.inbox.applyEachOnce(
        CONSUMERS.incidentStateEvents.durable,
        items,
        (em, fresh) => this.applyInTransaction(em, fresh),
      );
      return results.map((r) => r.result);
    } catch (error) {
      if (
        items.length === 1 &&
        error instanceof QueryFailedError &&
        (error.driverError as { code?: string }).code === '23505'
      ) {
        const { event } = items[0];
        throw new ConcurrentOpenError(`${event.integrationId}/${event.groupKey ?? event.dedupKey}`);
      }
      throw error;
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

  /** Applies events of distinct keys: reads their incidents at once, decides, writes at once. */
  private async applyInTransaction(em: EntityManager, items: Submitted[]): Promise<Announcements[]> {
    const incidents = new IncidentRepository(em);
    const known = items.filter((item) => item.known);
    const current = await incidents.forKeys(
      known.map(({ event }) => ({
        integrationId: event.integrationId,
        groupKey: event.groupKey ?? event.dedupKey,
      })),
    );
    const plans = new Map<Submitted, Plan>();
    for (const item of known) {
      const { event } = item;
      plans.set(
        item,
        this.plan(item, current.get(incidentKey(event.integrationId, event.groupKey ?? event.dedupKey))),
      );
    }
    const fresh = [...plans.values()].filter((p) => p.isNew);
    const numbered = await incidents.insertMany(fresh.map((p) => p.row as Incident));
    fresh.forEach((p, i) => (p.row = numbered[i]));
    const changed = [...plans.values()].filter((p) => p.row !== null);
    await incidents.updateMany(changed.filter((p) => !p.isNew).map((p) => p.row as Incident));
    await incidents.saveAlertsMany(
      changed.map((p) => ({
        incidentId: (p.row as Incident).id,
        alerts: (p.step.next as IncidentState).alerts,
        flapQuietMs: p.policy.flapQuietMs,
        changed: p.step.alert?.dedupKey,
      })),
    );
    const entries: NewTimelineEntry[] = [];
    const results = items.map((item) => {
      const plan = plans.get(item);
      if (!plan) return this.unknown(item.event);
      const { event } = item;
      const row = plan.row ?? plan.recordOn;
      const outcome: HookOutcomeV1 = {
        hookId: event.hookId,
        index: event.index,
        integrationId: event.integrationId,
        outcome: plan.step.outcome,
        ...(row ? { incidentId: row.id } : {}),
        ...(plan.step.reason ? { detail: plan.step.reason } : {}),
      };
      const entry = (change: IncidentChangedV1 | null): NewTimelineEntry => ({
        incidentId: (row as Incident).id,
        at: new Date(event.receivedAt),
        kind: 'event',
        actor: plan.actor,
        change: change?.change ?? null,
        outcome: plan.step.outcome,
        dedupKey: event.dedupKey,
        hookId: event.hookId,
        detail: change
          ? [change.detail, change.held ? `paging held: ${change.held}` : null].filter(Boolean).join('; ') ||
            null
          : (plan.step.reason ?? null),
      });
      if (!plan.row) {
        if (row) entries.push(entry(null));
        this.logger.info(
          { hookId: event.hookId, incidentId: row?.id, outcome: plan.step.outcome, reason: plan.step.reason },
          'event changed no incident',
        );
        return { outcome, changes: [] };
      }
      const held = this.hold(plan.row, plan.step.alert, new Date(event.receivedAt));
      const changes = this.changesOf(plan.step, plan.row, event, plan.actor, held);
      for (const change of changes) entries.push(entry(change));
      this.logger.info(
        { incidentId: plan.row.id, hookId: event.hookId, changes: changes.map((c) => c.change) },
        `incident ${plan.step.change ?? 'unchanged'}`,
      );
      return { outcome, changes };
    });
    await incidents.recordMany(entries);
    return results;
  }

  /** Runs the state machine for one event and prepares the row it writes, without writing. */
  private plan(item: Submitted, current: LoadedIncident | undefined): Plan {
    const { event } = item;
    const policy = toPolicy(event.policy);
    const at = new Date(event.receivedAt);
    const step = applyEvent(
      current?.state ?? null,
      { action: event.action, dedupKey: event.dedupKey, at: at.getTime() },
      policy,
    );
    const actor = `hook:${event.hookId}`;
    if (step.target === 'none' || !step.next) {
      const open = current && current.row.status !== 'resolved' ? current.row : null;
      return { item, step, policy, actor, row: null, isNew: false, recordOn: open };
    }
    if (step.target === 'new') {
      const row = Object.assign(new Incident(), {
        id: uuidv7(),
        integrationId: event.integrationId,
        serviceId: null,
        dedupKey: event.dedupKey,
        groupKey: event.groupKey ?? event.dedupKey,
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
      } satisfies NewIncident);
      return { item, step, policy, actor, row, isNew: true, recordOn: null };
    }
    const row = (current as LoadedIncident).row;
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
    return { item, step, policy, actor, row, isNew: false, recordOn: null };
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
