import { Injectable } from '@nestjs/common';
import {
  CONSUMERS,
  DEFAULT_INCIDENT_POLICY,
  HEADERS,
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
  type NewTimelineEntry,
} from './incident.repository';
import { Incident } from './incident.entity';
import { toSnapshot } from './incident.view';
import { KnownIntegrationsService } from './known-integrations.service';
import { OutcomeBatcher } from './outcome-batcher';

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

/** An event's result before publishing: what it announces, or what it failed with. */
type Settled = Announcements | Error;

/** What one event does to the database, decided before anything is written. */
interface Plan {
  item: Submitted;
  step: Step;
  policy: Policy;
  actor: string;
  /** The incident it opened or changed, as it was right after it; null when it changed none. */
  row: Incident | null;
  /** That incident as the transaction holds it, changed further by later events of its key. */
  target: Tracked | null;
  /** The open incident an event that changes nothing is recorded on. */
  recordOn: Incident | null;
}

/** An incident a transaction read or opened, as the events planned so far left it. */
interface Tracked {
  row: Incident;
  /**
   * Its state as reading it back would give it: the alerts the events wrote, not the ones the
   * state machine only calmed down in passing.
   */
  state: IncidentState;
  isNew: boolean;
  changed: boolean;
  /** The alerts to write: each one's last written state, with the quiet period of its event. */
  alerts: Map<string, { alert: AlertState; flapQuietMs: number }>;
}

/** One incident key while a transaction plans its events. */
interface KeyState {
  integrationId: string;
  groupKey: string;
  /** Its incidents in hand: the one read at the start, those opened since, any read later. */
  incidents: Tracked[];
  /** When the most recently resolved of its incidents not in hand was resolved (ms), if any. */
  othersResolvedAt: number | null;
}

/** Events applied in one transaction at most (a partition's batch may exceed it alone). */
const MAX_EVENTS = 384;
/**
 * Transactions applying events at once (of the pool's 10 connections). Two keeps one batch being
 * written while the next gathers; more split the events in flight into smaller batches, which
 * costs more statements and round trips per event.
 */
const BATCHES_AT_ONCE = 2;

/**
 * Applies normalized events to incidents, once each, and announces what changed.
 *
 * The consumer hands over a partition's messages together, in stream order, and several
 * partitions at the same moment. Their events are applied together: one transaction, a handful of
 * statements for the whole batch, up to two such transactions at once. Within a transaction the
 * events of one incident key are planned one after another in memory, each on the state the one
 * before left, and each incident is written once, as the last of them left it. A transaction that
 * fails is retried partition batch by partition batch, and a partition batch that fails key-run by
 * key-run, and a key-run event by event, so a failing event fails alone, and the events of its key
 * after it are not applied.
 */
@Injectable()
export class IncidentsService {
  private readonly commits = new GroupCommit<Submitted[], Announcements[]>({
    maxBatch: MAX_EVENTS,
    maxWeight: MAX_EVENTS,
    weight: (batch) => batch.length,
    concurrency: BATCHES_AT_ONCE,
    apply: (batches) => this.applyBatches(batches),
  });

  private readonly outcomes: OutcomeBatcher;

  constructor(
    private readonly inbox: Inbox,
    private readonly publisher: JetStreamPublisher,
    private readonly integrations: KnownIntegrationsService,
    private readonly calendar: MaintenanceCalendarService,
    private readonly logger: PinoLogger,
  ) {
    this.outcomes = new OutcomeBatcher(publisher);
  }

  /** Applies one event: `applyAll` with a batch of one; rejects with the error it failed with. */
  async apply(received: EventNormalizedV1, messageId: string): Promise<void> {
    const [result] = await this.applyAll([{ event: received, messageId }]);
    if (result) throw result;
  }

  /**
   * Applies a partition's events, received together in stream order, each at most once: one
   * result per event, in order — undefined when it was applied (or had been before) and its
   * outcome and incident changes are published, else the error it failed with.
   *
   * Calls made at the same moment share transactions, so two calls must never hold events of the
   * same key at once (the consumer hands a partition to one call at a time, and partitions never
   * share a key).
   */
  async applyAll(
    received: { event: EventNormalizedV1; messageId: string }[],
  ): Promise<(Error | undefined)[]> {
    const events = received.map((r) => storable(r.event));
    // Whether each event's integration exists, asked once per integration.
    const asked = new Map<string, Promise<boolean | Error>>();
    const answers = await Promise.all(
      events.map(({ integrationId }) => {
        const answer = asked.get(integrationId) ?? this.integrations.exists(integrationId).catch(asError);
        asked.set(integrationId, answer);
        return answer;
      }),
    );
    // An integration normalize could not answer for fails all its events (and so all of their keys).
    const items = events.flatMap((event, i) =>
      answers[i] instanceof Error
        ? []
        : [{ event, messageId: received[i].messageId, known: answers[i] === true }],
    );
    const applied = items.length > 0 ? await this.applyIsolated(items) : [];
    let next = 0;
    const settled = answers.map((answer) => (answer instanceof Error ? answer : applied[next++]));
    // A key's events publish one after another: each once the one before it is stored, none after
    // one that failed (the consumer retries from that one on), so its changes keep their order.
    const published = new Map<string, Promise<Error | undefined>>();
    return Promise.all(
      settled.map((result, i) => {
        const event = events[i];
        const key = keyOf(event);
        const done = (published.get(key) ?? Promise.resolve(undefined)).then(async (earlier) => {
          if (result instanceof Error) return result;
          if (earlier) return new EarlierEventFailedError(event, earlier);
          try {
            await this.publish(received[i].messageId, result);
            return undefined;
          } catch (error) {
            return asError(error);
          }
        });
        published.set(key, done);
        return done;
      }),
    );
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

  /**
   * Publishes what an applied event announced: its incident changes, and its outcome together with
   * the outcomes of the other events settling at the same moment.
   */
  private async publish(messageId: string, announcements: Announcements): Promise<void> {
    await Promise.all([
      this.announce(announcements.changes, messageId),
      this.outcomes.publish(announcements.outcome),
    ]);
  }

  /**
   * Applies events in stream order, sharing a transaction with other calls. If that fails (after
   * GroupCommit tried these events alone), their key-runs (events of one key in a row) are applied
   * one after another, and a run that fails event by event: a failing event fails alone, and once
   * one has failed the later events of its key are not applied, since they are retried after it.
   */
  private async applyIsolated(items: Submitted[]): Promise<Settled[]> {
    try {
      return await this.commits.submit(items);
    } catch (error) {
      if (items.length === 1) return [asError(error)];
    }
    const runs: Submitted[][] = [];
    for (const item of items) {
      const run = runs[runs.length - 1];
      if (run && keyOf(run[0].event) === keyOf(item.event)) run.push(item);
      else runs.push([item]);
    }
    const parts = runs.length > 1 ? runs : items.map((item) => [item]);
    const failed = new Map<string, Error>();
    const results: Settled[] = [];
    for (const part of parts) {
      const key = keyOf(part[0].event);
      const earlier = failed.get(key);
      const settled = earlier
        ? part.map(() => new EarlierEventFailedError(part[0].event, earlier))
        : await this.applyIsolated(part);
      const error = settled.find((r) => r instanceof Error);
      if (error && !earlier) failed.set(key, error);
      results.push(...settled);
    }
    return results;
  }

  /** Applies the batches of several calls in one transaction, each message at most once. */
  private async applyBatches(batches: Submitted[][]): Promise<Announcements[][]> {
    const items = batches.flat();
    let results: Announcements[];
    try {
      const applied = await this.inbox.applyEachOnce(
        CONSUMERS.incidentStateEvents.durable,
        items,
        (em, fresh) => this.applyInTransaction(em, fresh),
      );
      results = applied.map((r) => r.result);
    } catch (error) {
      if (
        items.length === 1 &&
        error instanceof QueryFailedError &&
        (error.driverError as { code?: string }).code === '23505'
      ) {
        throw new ConcurrentOpenError(describeKey(items[0].event));
      }
      throw error;
    }
    return batches.map((batch) => results.splice(0, batch.length));
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

  /**
   * Applies events in stream order: reads their keys' incidents at once, plans each event on what
   * the ones before it left, then writes each incident as the last of them left it, and the
   * timeline entries of all of them in order.
   */
  private async applyInTransaction(em: EntityManager, items: Submitted[]): Promise<Announcements[]> {
    const incidents = new IncidentRepository(em);
    const known = items.filter((item) => item.known);
    const keys = new Map<string, KeyState>();
    for (const { event } of known) {
      const key = keyOf(event);
      if (keys.has(key)) continue;
      const groupKey = event.groupKey ?? event.dedupKey;
      keys.set(key, { integrationId: event.integrationId, groupKey, incidents: [], othersResolvedAt: null });
    }
    const current = await incidents.forKeys([...keys.values()]);
    for (const [key, found] of current) {
      const state = keys.get(key) as KeyState;
      state.incidents.push(tracked(found));
      state.othersResolvedAt = found.othersResolvedAt;
    }
    const plans = new Map<Submitted, Plan>();
    for (const item of known) {
      const key = keys.get(keyOf(item.event)) as KeyState;
      plans.set(item, this.plan(item, key, await this.latest(incidents, key)));
    }
    const touched = [...keys.values()].flatMap((key) => key.incidents.filter((t) => t.changed));
    // Resolved ones first: an incident that stops being its key's open one is written before the
    // one that becomes it, so the unique index on the open incident per key never sees two.
    const updated = touched.filter((t) => !t.isNew).map((t) => t.row);
    await incidents.updateMany(updated.filter((row) => row.status === 'resolved'));
    await incidents.updateMany(updated.filter((row) => row.status !== 'resolved'));
    // New incidents in the order of the events that opened them, which the database numbers them in.
    const opened = [...plans.values()].flatMap((p) =>
      p.step.target === 'new' && p.target ? [p.target.row] : [],
    );
    const numbered = await incidents.insertMany(opened);
    opened.forEach((row, i) => (row.number = numbered[i].number));
    for (const plan of plans.values()) {
      if (plan.row && plan.target) plan.row.number = plan.target.row.number;
    }
    await incidents.saveAlertsMany(
      touched.flatMap((t) =>
        [...t.alerts.values()].map(({ alert, flapQuietMs }) => ({
          incidentId: t.row.id,
          alerts: [alert],
          flapQuietMs,
        })),
      ),
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

  /**
   * The key's incident the next event applies to, as reading it now would give it: the open one,
   * else the most recently resolved. One not in hand wins when it was resolved later than those in
   * hand (times come from events, which may arrive out of order); it is read then.
   */
  private async latest(incidents: IncidentRepository, key: KeyState): Promise<Tracked | undefined> {
    const open = key.incidents.find((t) => t.row.status !== 'resolved');
    if (open) return open;
    const resolvedAt = (t: Tracked): number => t.state.resolvedAt ?? -Infinity;
    let last: Tracked | undefined;
    for (const t of key.incidents) if (!last || resolvedAt(t) > resolvedAt(last)) last = t;
    if (key.othersResolvedAt === null || (last && resolvedAt(last) >= key.othersResolvedAt)) return last;
    const found = (
      await incidents.forKeys(
        [key],
        key.incidents.map((t) => t.row.id),
      )
    ).get(incidentKey(key.integrationId, key.groupKey));
    if (!found) {
      throw new Error(`the incident of ${describeKey(key)} resolved at ${key.othersResolvedAt} is gone`);
    }
    const other = tracked(found);
    key.incidents.push(other);
    key.othersResolvedAt = found.othersResolvedAt;
    return other;
  }

  /**
   * Runs the state machine for one event on its key's incident as the events before it left it,
   * and carries the result onto that incident (or a new one) in memory, without writing.
   */
  private plan(item: Submitted, key: KeyState, current: Tracked | undefined): Plan {
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
      return { item, step, policy, actor, row: null, target: null, recordOn: open };
    }
    let target: Tracked;
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
        acknowledgedBy: null,
        resolvedBy: null,
        reopenCount: 0,
      } satisfies Omit<Incident, 'number'>);
      target = { row, state: step.next, isNew: true, changed: true, alerts: new Map() };
      key.incidents.push(target);
    } else {
      target = current as Tracked;
      const { row } = target;
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
      target.changed = true;
    }
    // The event writes the alert it concerned, or all of them when it concerned none; the others
    // stay as they were read, calmed down or not.
    const { alert } = step;
    const written = alert ? [alert] : step.next.alerts;
    for (const a of written) target.alerts.set(a.dedupKey, { alert: a, flapQuietMs: policy.flapQuietMs });
    const alerts = alert
      ? [...target.state.alerts.filter((a) => a.dedupKey !== alert.dedupKey), alert]
      : step.next.alerts;
    target.state = { ...step.next, alerts };
    const row = Object.assign(new Incident(), target.row);
    return { item, step, policy, actor, row, target, recordOn: null };
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

/** An event not applied because an earlier event of its key failed; it is retried after that one. */
export class EarlierEventFailedError extends Error {
  constructor(event: EventNormalizedV1, cause: Error) {
    super(`an earlier event of ${describeKey(event)} failed: ${cause.message}`, { cause });
    this.name = 'EarlierEventFailedError';
  }
}

/** The incident key of an event, as `forKeys` answers it. */
function keyOf(event: EventNormalizedV1): string {
  return incidentKey(event.integrationId, event.groupKey ?? event.dedupKey);
}

/** An incident key for messages: integration and group key, cut short. */
function describeKey(key: { integrationId: string; groupKey?: string; dedupKey?: string }): string {
  return `${key.integrationId}/${(key.groupKey ?? key.dedupKey ?? '').slice(0, 100)}`;
}

function tracked(found: LoadedIncident): Tracked {
  return { row: found.row, state: found.state, isNew: false, changed: false, alerts: new Map() };
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
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
