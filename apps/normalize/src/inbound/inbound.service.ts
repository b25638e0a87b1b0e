import { Injectable } from '@nestjs/common';
import type { HookOutcomeV1, InboundOutcome } from '@tocsin/contracts';
import { SCHEMA_BY_APP } from '@tocsin/config';
import { GroupCommit } from '@tocsin/platform';
import { DataSource, type EntityManager } from 'typeorm';
import { InboundEvent } from './inbound-event.entity';
import { InboundMessage } from './inbound-message.entity';
import { summarize, type EventOutcome, type MessageOutcome } from './outcome-summary';

const SCHEMA = SCHEMA_BY_APP.normalize;

/** Outcomes recorded in one transaction at most. */
const MAX_BATCH = 512;
/** Transactions recording outcomes at once. */
const BATCHES_AT_ONCE = 2;

/** A hook's inbound log entry, as an outcome batch reads it. */
interface MessageRow {
  hook_id: string;
  outcome: InboundOutcome;
  incident_id: string | null;
  detail: string | null;
}

/** Moves inbound log entries, event by event, to their final outcome. */
@Injectable()
export class InboundService {
  /**
   * The outcomes in hand are recorded together: one transaction of five statements for the whole
   * batch, never two outcomes of one hook in a batch (the later one waits for the next). A batch
   * that fails is retried outcome by outcome.
   */
  private readonly outcomes = new GroupCommit<HookOutcomeV1, Error | null>({
    maxBatch: MAX_BATCH,
    concurrency: BATCHES_AT_ONCE,
    key: (outcome) => outcome.hookId,
    apply: (outcomes) => this.recordOutcomes(outcomes),
  });

  constructor(private readonly dataSource: DataSource) {}

  /**
   * Records what incident-state did with events of hooks (the outcomes of one message), and for a
   * hook whose last event still on its way this was, the hook's own outcome. Idempotent: the same
   * outcome twice leaves the same rows. Rejects with the first failure once all are settled, so
   * the message is retried whole while one of its hooks is not in the log yet.
   */
  async applyOutcomes(outcomes: readonly HookOutcomeV1[]): Promise<void> {
    const failures = await Promise.all(outcomes.map((outcome) => this.outcomes.submit(outcome)));
    const failure = failures.find((f) => f !== null);
    if (failure) throw failure;
  }

  /**
   * Applies outcomes of distinct hooks in one transaction. The hooks' rows are locked first (in
   * one order, so two batches cannot deadlock), so the outcomes of one hook settle one at a time.
   * An outcome whose hook is not in the log gets its error back; the others are recorded.
   */
  private async recordOutcomes(outcomes: HookOutcomeV1[]): Promise<(Error | null)[]> {
    return this.dataSource.transaction(async (em) => {
      const messages = new Map<string, MessageRow>(
        (
          await em.query<MessageRow[]>(
            `SELECT "hook_id", "outcome", "incident_id", "detail" FROM "${SCHEMA}"."inbound_messages"
              WHERE "hook_id" = ANY($1::text[]) ORDER BY "hook_id" FOR UPDATE`,
            [outcomes.map((o) => o.hookId)],
          )
        ).map((row) => [row.hook_id, row]),
      );
      const found = outcomes.filter((o) => messages.has(o.hookId));
      // TypeORM answers an UPDATE with [rows, count].
      const [updated]: [{ hook_id: string }[], number] =
        found.length === 0
          ? [[], 0]
          : await em.query(
              `UPDATE "${SCHEMA}"."inbound_events" AS e
                  SET "outcome" = v."outcome", "incident_id" = v."incident_id",
                      "detail" = CASE WHEN v."keep_detail" THEN e."detail" ELSE v."detail" END
                 FROM unnest($1::text[], $2::int[], $3::text[], $4::uuid[], $5::text[], $6::boolean[])
                   AS v("hook_id", "index", "outcome", "incident_id", "detail", "keep_detail")
                WHERE e."hook_id" = v."hook_id" AND e."index" = v."index"
            RETURNING e."hook_id"`,
              [
                found.map((o) => o.hookId),
                found.map((o) => o.index),
                found.map((o) => o.outcome),
                found.map((o) => o.incidentId ?? null),
                found.map((o) => o.detail ?? null),
                found.map((o) => o.detail === undefined),
              ],
            );
      const withRows = new Set(updated.map((r) => r.hook_id));
      const events = new Map<string, EventOutcome[]>();
      if (withRows.size > 0) {
        const rows: {
          hook_id: string;
          index: number;
          outcome: InboundOutcome;
          incident_id: string | null;
          detail: string | null;
        }[] = await em.query(
          `SELECT "hook_id", "index", "outcome", "incident_id", "detail" FROM "${SCHEMA}"."inbound_events"
              WHERE "hook_id" = ANY($1::text[])`,
          [[...withRows]],
        );
        for (const row of rows) {
          const list = events.get(row.hook_id) ?? [];
          list.push({
            index: row.index,
            outcome: row.outcome,
            incidentId: row.incident_id,
            detail: row.detail,
          });
          events.set(row.hook_id, list);
        }
      }
      const changes: (MessageOutcome & { hookId: string })[] = [];
      for (const outcome of found) {
        const message = messages.get(outcome.hookId) as MessageRow;
        if (!withRows.has(outcome.hookId)) {
          // An entry recorded before events had rows of their own: the outcome is the hook's.
          changes.push({
            hookId: outcome.hookId,
            outcome: outcome.outcome,
            incidentId: outcome.incidentId ?? null,
            detail: outcome.detail ?? message.detail,
          });
          continue;
        }
        const hookEvents = events.get(outcome.hookId) ?? [];
        if (!hookEvents.some((e) => e.outcome === 'accepted')) {
          changes.push({ hookId: outcome.hookId, ...summarize(hookEvents) });
        } else if (message.incident_id === null && outcome.incidentId) {
          changes.push({
            hookId: outcome.hookId,
            outcome: message.outcome,
            incidentId: outcome.incidentId,
            detail: message.detail,
          });
        }
      }
      if (changes.length > 0) {
        await em.query(
          `UPDATE "${SCHEMA}"."inbound_messages" AS m
              SET "outcome" = v."outcome", "incident_id" = v."incident_id", "detail" = v."detail",
                  "updated_at" = now()
             FROM unnest($1::text[], $2::text[], $3::uuid[], $4::text[])
               AS v("hook_id", "outcome", "incident_id", "detail")
            WHERE m."hook_id" = v."hook_id"`,
          [
            changes.map((c) => c.hookId),
            changes.map((c) => c.outcome),
            changes.map((c) => c.incidentId),
            changes.map((c) => c.detail),
          ],
        );
      }
      return outcomes.map((o) =>
        messages.has(o.hookId)
          ? null
          : // normalize commits the entry before it publishes the events an outcome answers: retry.
            new Error(`inbound message ${o.hookId} not found yet`),
      );
    });
  }

  /**
   * Marks a hook (or one of its events) failed, with the reason; records the hook first when it
   * never got into the log (dead-lettered before normalize could read it).
   */
  async markFailed(
    hookId: string,
    index: number | null,
    integrationId: string | null,
    reason: string,
    body: string,
  ): Promise<boolean> {
    return this.dataSource.transaction(async (em) => {
      const message = await em
        .getRepository(InboundMessage)
        .createQueryBuilder('m')
        .setLock('pessimistic_write')
        .where('m.hook_id = :hookId', { hookId })
        .getOne();
      if (message) {
        const events = em
          .createQueryBuilder()
          .update(InboundEvent)
          .set({ outcome: 'failed', detail: reason })
          .where('hook_id = :hookId', { hookId });
        if (index !== null) events.andWhere('index = :index', { index });
        const updated = await events.execute();
        if ((updated.affected ?? 0) > 0) await this.settle(em, hookId);
        else
          await this.setMessage(em, hookId, {
            outcome: 'failed',
            incidentId: message.incidentId,
            detail: reason,
          });
        return true;
      }
      if (!integrationId) return false;
      await em
        .createQueryBuilder()
        .insert()
        .into(InboundMessage)
        .values({
          hookId,
          integrationId,
          receivedAt: new Date(),
          outcome: 'failed',
          detail: reason,
          headers: {},
          body,
        })
        .orIgnore()
        .execute();
      return true;
    });
  }

  /** The hook's outcome from those of its events. */
  private async settle(em: EntityManager, hookId: string): Promise<void> {
    const events = await em.getRepository(InboundEvent).find({
      select: { index: true, outcome: true, incidentId: true, detail: true },
      where: { hookId },
      order: { index: 'ASC' },
    });
    await this.setMessage(em, hookId, summarize(events));
  }

  private async setMessage(
    em: EntityManager,
    hookId: string,
    values: Pick<InboundMessage, 'outcome' | 'incidentId' | 'detail'>,
  ): Promise<void> {
    await em
      .createQueryBuilder()
      .update(InboundMessage)
      .set({ ...values, updatedAt: () => 'now()' })
      .where('hook_id = :hookId', { hookId })
      .execute();
  }
}
