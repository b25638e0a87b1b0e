import { Injectable } from '@nestjs/common';
import {
  CONSUMERS,
  HEADERS,
  HookOutcome,
  IncidentChanged,
  SUBJECTS,
  type EventNormalizedV1,
  type HookOutcomeV1,
  type IncidentChangedV1,
} from '@tocsin/contracts';
import { JetStreamPublisher, uuidv7 } from '@tocsin/messaging';
import { Inbox } from '@tocsin/persistence';
import { PinoLogger } from 'nestjs-pino';
import { QueryFailedError, type EntityManager } from 'typeorm';
import { Incident } from './incident.entity';
import { transition } from './incident-machine';
import { toSnapshot } from './incident.view';

/** What applying one event decided to announce; stored in the inbox, published after commit. */
interface Announcements {
  outcome: HookOutcomeV1;
  change: IncidentChangedV1 | null;
}

/** Two replicas opened the same key at once; the loser retries and finds the winner's incident. */
export class ConcurrentOpenError extends Error {
  constructor(key: string) {
    super(`another event opened an incident for ${key} at the same moment`);
    this.name = 'ConcurrentOpenError';
  }
}

@Injectable()
export class IncidentsService {
  constructor(
    private readonly inbox: Inbox,
    private readonly publisher: JetStreamPublisher,
    private readonly logger: PinoLogger,
  ) {}

  async apply(event: EventNormalizedV1, messageId: string): Promise<void> {
    let announcements: Announcements;
    try {
      ({ result: announcements } = await this.inbox.applyOnce(
        CONSUMERS.incidentStateEvents.durable,
        messageId,
        (em) => this.applyInTransaction(em, event),
      ));
    } catch (error) {
      if (error instanceof QueryFailedError && (error.driverError as { code?: string }).code === '23505') {
        throw new ConcurrentOpenError(`${event.integrationId}/${event.dedupKey}`);
      }
      throw error;
    }
    const { outcome, change } = announcements;
    if (change) {
      await this.publisher.publish(
        SUBJECTS.incident(change.change, change.incident.id),
        IncidentChanged,
        change,
        {
          messageId: `incident:${change.incident.id}:${messageId}`,
          headers: { [HEADERS.hookId]: event.hookId, [HEADERS.incidentId]: change.incident.id },
        },
      );
    }
    await this.publisher.publish(SUBJECTS.hookOutcome(event.integrationId), HookOutcome, outcome, {
      messageId: `outcome:${event.hookId}:${event.index}`,
      headers: {
        [HEADERS.hookId]: event.hookId,
        ...(outcome.incidentId ? { [HEADERS.incidentId]: outcome.incidentId } : {}),
      },
    });
  }

  private async applyInTransaction(em: EntityManager, event: EventNormalizedV1): Promise<Announcements> {
    const repository = em.getRepository(Incident);
    const open = await repository
      .createQueryBuilder('i')
      .setLock('pessimistic_write')
      .where('i.integration_id = :integrationId AND i.dedup_key = :dedupKey AND i.status <> :resolved', {
        integrationId: event.integrationId,
        dedupKey: event.dedupKey,
        resolved: 'resolved',
      })
      .getOne();
    const step = transition(
      open ? { status: open.status as 'triggered' | 'acknowledged' } : null,
      event.action,
    );
    const at = new Date(event.receivedAt);
    const base = {
      hookId: event.hookId,
      index: event.index,
      integrationId: event.integrationId,
      outcome: step.outcome,
    };

    if (step.change === null) {
      return {
        outcome: {
          ...base,
          ...(open ? { incidentId: open.id } : {}),
          ...(step.reason ? { detail: step.reason } : {}),
        },
        change: null,
      };
    }

    let incident: Incident;
    if (step.change === 'opened') {
      const id = uuidv7();
      await repository.insert({
        id,
        integrationId: event.integrationId,
        dedupKey: event.dedupKey,
        status: 'triggered',
        title: event.title,
        description: event.description ?? null,
        severity: event.severity,
        alertCount: 1,
        openedAt: at,
        lastEventAt: at,
      });
      incident = await repository.findOneByOrFail({ id });
    } else {
      incident = open as Incident;
      incident.lastEventAt = at > incident.lastEventAt ? at : incident.lastEventAt;
      switch (step.change) {
        case 'appended':
          incident.alertCount += 1;
          break;
        case 'resolved':
          incident.status = 'resolved';
          incident.resolvedAt = at;
          break;
        case 'acknowledged':
          incident.status = 'acknowledged';
          incident.acknowledgedAt = at;
          break;
        case 'updated':
          incident.title = event.title;
          if (event.description !== undefined) incident.description = event.description;
          break;
        case 'reopened':
          break;
      }
      await repository.update(
        { id: incident.id },
        {
          status: incident.status,
          alertCount: incident.alertCount,
          title: incident.title,
          description: incident.description,
          acknowledgedAt: incident.acknowledgedAt,
          resolvedAt: incident.resolvedAt,
          lastEventAt: incident.lastEventAt,
        },
      );
    }
    this.logger.info(
      { incidentId: incident.id, hookId: event.hookId, change: step.change },
      `incident ${step.change}`,
    );
    return {
      outcome: { ...base, incidentId: incident.id },
      change: { change: step.change, incident: toSnapshot(incident), hookId: event.hookId },
    };
  }
}
