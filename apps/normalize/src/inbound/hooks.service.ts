import { Injectable } from '@nestjs/common';
import {
  CONSUMERS,
  EventNormalized,
  HEADERS,
  SUBJECTS,
  type Envelope,
  type EventNormalizedV1,
  type HookReceivedV1,
  type InboundOutcome,
} from '@tocsin/contracts';
import { fallbackDedupKey, mapGeneric } from '@tocsin/mapping';
import { JetStreamPublisher } from '@tocsin/messaging';
import { Inbox } from '@tocsin/persistence';
import { PinoLogger } from 'nestjs-pino';
import { createHash } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { Integration } from '../integrations/integration.entity';
import { InboundMessage } from './inbound-message.entity';

interface Decision {
  outcome: InboundOutcome;
  detail: string | null;
  rule: string | null;
  dedupKey: string | null;
  events: EventNormalizedV1[];
}

/**
 * Turns a received hook into normalized events. The inbound log row and the decision are
 * committed together (once per hook, whatever is redelivered); the events are published after,
 * with deterministic ids, so a redelivery republishes them and the stream drops the copies.
 */
@Injectable()
export class HooksService {
  constructor(
    private readonly inbox: Inbox,
    private readonly publisher: JetStreamPublisher,
    private readonly logger: PinoLogger,
  ) {}

  async handle(envelope: Envelope<HookReceivedV1>, messageId: string): Promise<void> {
    const hook = envelope.payload;
    const { result: events } = await this.inbox.applyOnce(
      CONSUMERS.normalizeHooks.durable,
      messageId,
      async (em) => this.record(em, hook),
    );
    for (const event of events) {
      await this.publisher.publish(SUBJECTS.eventNormalized(event.integrationId), EventNormalized, event, {
        messageId: `${event.hookId}:${event.index}`,
        correlationId: envelope.correlationId,
        headers: {
          [HEADERS.hookId]: event.hookId,
          // incident-state applies the events of one key in order.
          [HEADERS.orderingKey]: orderingKey(event.integrationId, event.dedupKey),
        },
      });
    }
  }

  private async record(em: EntityManager, hook: HookReceivedV1): Promise<EventNormalizedV1[]> {
    const integration = await em.getRepository(Integration).findOneBy({ id: hook.integrationId });
    const decision = this.decide(integration, hook);
    const inserted = await em
      .createQueryBuilder()
      .insert()
      .into(InboundMessage)
      .values({
        hookId: hook.hookId,
        integrationId: hook.integrationId,
        receivedAt: new Date(hook.receivedAt),
        outcome: decision.outcome,
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
    this.logger.debug({ hookId: hook.hookId, outcome: decision.outcome }, 'hook normalized');
    return decision.events;
  }

  private decide(integration: Integration | null, hook: HookReceivedV1): Decision {
    const none = { rule: null, dedupKey: null, events: [] };
    if (!integration) return { ...none, outcome: 'invalid', detail: 'the integration no longer exists' };
    if (!integration.enabled) return { ...none, outcome: 'ignored', detail: 'the integration is disabled' };
    let body: unknown;
    try {
      body = JSON.parse(hook.body);
    } catch (error) {
      return { ...none, outcome: 'invalid', detail: `body is not JSON: ${(error as Error).message}` };
    }
    const mapped = mapGeneric(body);
    switch (mapped.kind) {
      case 'unmapped':
        return { ...none, outcome: 'unmapped', detail: mapped.detail };
      case 'ignored':
        return { ...none, outcome: 'ignored', detail: null, rule: mapped.rule };
      case 'event': {
        const dedupKey = mapped.dedupKey ?? fallbackDedupKey(integration.id, mapped.title);
        const event: EventNormalizedV1 = {
          hookId: hook.hookId,
          index: 0,
          integrationId: integration.id,
          action: mapped.action,
          dedupKey,
          title: mapped.title,
          ...(mapped.description !== null ? { description: mapped.description } : {}),
          severity: mapped.severity,
          receivedAt: hook.receivedAt,
        };
        return {
          outcome: 'accepted',
          detail:
            mapped.dedupKey === null
              ? 'no dedup key in the payload: keyed on a hash of integration and title'
              : null,
          rule: mapped.rule,
          dedupKey,
          events: [event],
        };
      }
    }
  }
}

/** A short, fixed-length stand-in for (integration, dedup key), for the ordering header. */
function orderingKey(integrationId: string, dedupKey: string): string {
  return createHash('sha256').update(`${integrationId}\n${dedupKey}`).digest('base64url').slice(0, 22);
}
