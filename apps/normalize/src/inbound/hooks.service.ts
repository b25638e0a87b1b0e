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
import { GroupCommit } from '@tocsin/platform';
import { PinoLogger } from 'nestjs-pino';
import { In, type EntityManager } from 'typeorm';
import { SCHEMA_BY_APP } from '@tocsin/config';
import { Integration } from '../integrations/integration.entity';
import { MappingsService } from '../integrations/mappings.service';
import { decide } from './decision';

/** A hook waiting to be recorded, with the id of the message that brought it. */
interface Submitted {
  hook: HookReceivedV1;
  messageId: string;
}

const SCHEMA = SCHEMA_BY_APP.normalize;

/** Hooks recorded in one transaction at most. */
const MAX_BATCH = 64;
/** Bytes of hook bodies recorded in one transaction at most (a batch takes at least one hook). */
const MAX_BATCH_BYTES = 4 * 1024 * 1024;
/** Transactions recording hooks at once: one being written while the next gathers. */
const BATCHES_AT_ONCE = 2;
/** Event rows per INSERT statement. */
const EVENT_ROWS_PER_INSERT = 500;

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
 *
 * The hooks in hand are recorded together: one transaction and a handful of statements for the
 * whole batch, two such transactions at once. A batch that fails is retried hook by hook, so a
 * failing hook fails alone.
 */
@Injectable()
export class HooksService {
  private readonly commits = new GroupCommit<Submitted, EventNormalizedV1[]>({
    maxBatch: MAX_BATCH,
    concurrency: BATCHES_AT_ONCE,
    weight: (item) => item.hook.body.length,
    maxWeight: MAX_BATCH_BYTES,
    apply: (items) => this.recordBatch(items),
  });

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
    const events = await this.commits.submit({ hook: envelope.payload, messageId });
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

  /** Records a batch once per message: a redelivered hook gets back the events stored for it. */
  private async recordBatch(items: Submitted[]): Promise<EventNormalizedV1[][]> {
    const results = await this.inbox.applyEachOnce(CONSUMERS.normalizeHooks.durable, items, (em, fresh) =>
      this.record(
        em,
        fresh.map((item) => item.hook),
      ),
    );
    return results.map((r) => r.result);
  }

  /**
   * Decides each hook and writes the inbound log: its messages, then their events, a statement
   * each (column arrays, `unnest`ed: one parameter per column whatever the number of rows).
   */
  private async record(em: EntityManager, hooks: HookReceivedV1[]): Promise<EventNormalizedV1[][]> {
    const ids = [...new Set(hooks.map((hook) => hook.integrationId))];
    const integrations = new Map(
      (await em.getRepository(Integration).findBy({ id: In(ids) })).map((i) => [i.id, i]),
    );
    const decisions = hooks.map((hook) =>
      decide(integrations.get(hook.integrationId) ?? null, hook, this.mappings),
    );
    const inserted: { hook_id: string }[] = await em.query(
      `INSERT INTO "${SCHEMA}"."inbound_messages"
         ("hook_id", "integration_id", "received_at", "outcome", "detail", "rule", "dedup_key", "headers", "body")
       SELECT * FROM unnest($1::text[], $2::uuid[], $3::timestamptz[], $4::text[], $5::text[], $6::text[],
                            $7::text[], $8::jsonb[], $9::text[])
       ON CONFLICT ("hook_id") DO NOTHING RETURNING "hook_id"`,
      [
        hooks.map((hook) => hook.hookId),
        hooks.map((hook) => hook.integrationId),
        hooks.map((hook) => hook.receivedAt),
        decisions.map((d) => d.outcome),
        decisions.map((d) => d.detail),
        decisions.map((d) => d.rule),
        decisions.map((d) => d.dedupKey),
        hooks.map((hook) => JSON.stringify(hook.headers)),
        hooks.map((hook) => hook.body),
      ],
    );
    // A hook id seen before (a producer's retry outside the stream's duplicate window, or twice in
    // this batch) is recorded at its first occurrence only.
    const claimed = new Set(inserted.map((r) => r.hook_id));
    const recorded = hooks.map((hook) => claimed.delete(hook.hookId));
    // The description goes to incident-state with the event; the log keeps the body it came from.
    const rows = decisions.flatMap((decision, i) => (recorded[i] ? decision.rows : []));
    for (let start = 0; start < rows.length; start += EVENT_ROWS_PER_INSERT) {
      const part = rows.slice(start, start + EVENT_ROWS_PER_INSERT);
      await em.query(
        `INSERT INTO "${SCHEMA}"."inbound_events"
           ("hook_id", "index", "outcome", "action", "dedup_key", "dedup_key_fallback", "title", "severity",
            "service", "rule", "incident_id", "detail")
         SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[], $6::boolean[],
                              $7::text[], $8::text[], $9::text[], $10::text[], $11::uuid[], $12::text[])`,
        [
          part.map((r) => r.hookId),
          part.map((r) => r.index),
          part.map((r) => r.outcome),
          part.map((r) => r.action),
          part.map((r) => r.dedupKey),
          part.map((r) => r.dedupKeyFallback),
          part.map((r) => r.title),
          part.map((r) => r.severity),
          part.map((r) => r.service),
          part.map((r) => r.rule),
          part.map((r) => r.incidentId),
          part.map((r) => r.detail),
        ],
      );
    }
    return hooks.map((hook, i) => {
      if (!recorded[i]) {
        this.logger.info({ hookId: hook.hookId }, 'hook already recorded; retry ignored');
        return [];
      }
      this.logger.debug(
        { hookId: hook.hookId, outcome: decisions[i].outcome, events: decisions[i].events.length },
        'hook normalized',
      );
      return decisions[i].events;
    });
  }
}
