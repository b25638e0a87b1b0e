import { Injectable } from '@nestjs/common';
import {
  CONSUMERS,
  EventNormalized,
  eventPartition,
  HEADERS,
  SUBJECTS,
  type Envelope,
  type EventNormalizedV1,
  type HookReceivedV1,
} from '@tocsin/contracts';
import { JetStreamPublisher } from '@tocsin/messaging';
import { Inbox } from '@tocsin/persistence';
import { PinoLogger } from 'nestjs-pino';
import type { EntityManager } from 'typeorm';
import { Integration } from '../integrations/integration.entity';
import { MappingsService } from '../integrations/mappings.service';
import { InboundEvent } from './inbound-event.entity';
import { InboundMessage } from './inbound-message.entity';
import { decide } from './decision';

/**
 * Turns a received hook into normalized events. The inbound log entry (with one row per event)
 * and the decision are committed together, once per hook whatever is redelivered; the events are
 * published after, with deterministic ids, so a redelivery republishes them and the stream drops
 * the copies.
 *
 * Hooks of one integration are recorded concurrently, but their events are handed to NATS in the
 * order the hooks were stored (`inOrder`), so one key's events reach incident-state in that order.
 * Handing them over is synchronous and one connection keeps its order; the acknowledgements are
 * awaited outside the ordered section, so one integration's hooks do not wait for each other's
 * round trips.
 */
@Injectable()
export class HooksService {
  constructor(
    private readonly inbox: Inbox,
    private readonly publisher: JetStreamPublisher,
    private readonly mappings: MappingsService,
    private readonly logger: PinoLogger,
  ) {}

  async handle(
    envelope: Envelope<HookReceivedV1>,
    messageId: string,
    inOrder: <T>(section: () => Promise<T>) => Promise<T> = (section) => section(),
  ): Promise<void> {
    const hook = envelope.payload;
    const { result: events } = await this.inbox.applyOnce(
      CONSUMERS.normalizeHooks.durable,
      messageId,
      async (em) => this.record(em, hook),
    );
    const stored = await inOrder(() =>
      Promise.resolve(
        events.map((event) => {
          const key = event.groupKey ?? event.dedupKey;
          const subject = SUBJECTS.eventNormalized(
            event.integrationId,
            eventPartition(event.integrationId, key),
          );
          return this.publisher.publish(subject, EventNormalized, event, {
            messageId: `${event.hookId}:${event.index}`,
            correlationId: envelope.correlationId,
            // The partition keeps one key's events in order through incident-state's replicas.
            headers: { [HEADERS.hookId]: event.hookId },
          });
        }),
      ),
    );
    await Promise.all(stored);
  }

  private async record(em: EntityManager, hook: HookReceivedV1): Promise<EventNormalizedV1[]> {
    const integration = await em.getRepository(Integration).findOneBy({ id: hook.integrationId });
    const decision = decide(integration, hook, this.mappings);
    const inserted = await em
      .createQueryBuilder()
      .insert()
      .into(InboundMessage)
      .values({
        hookId: hook.hookId,
        integrationId: hook.integrationId,
        receivedAt: new Date(hook.receivedAt),
        outcome: decision.outcome,
        incidentId: null,
        detail: decision.detail,
        rule: decision.rule,
        dedupKey: decision.dedupKey,
        headers: hook.headers,
        body: hook.body,
      })
      .orIgnore()
      .returning(['hookId'])
      .execute();
    if ((inserted.raw as unknown[]).length === 0) {
      // The same hook id arrived before (a producer's retry outside the stream's duplicate window).
      this.logger.info({ hookId: hook.hookId }, 'hook already recorded; retry ignored');
      return [];
    }
    // The description goes to incident-state with the event; the log keeps the body it came from.
    const rows = decision.rows.map(({ description: _description, ...row }) => row);
    for (let start = 0; start < rows.length; start += 500) {
      await em
        .createQueryBuilder()
        .insert()
        .into(InboundEvent)
        .values(rows.slice(start, start + 500))
        .execute();
    }
    this.logger.debug(
      { hookId: hook.hookId, outcome: decision.outcome, events: decision.events.length },
      'hook normalized',
    );
    return decision.events;
  }
}
