import { Injectable } from '@nestjs/common';
import type { HookOutcomeV1 } from '@tocsin/contracts';
import { DataSource, type EntityManager } from 'typeorm';
import { InboundEvent } from './inbound-event.entity';
import { InboundMessage } from './inbound-message.entity';
import { summarize } from './outcome-summary';

/** Moves inbound log entries, event by event, to their final outcome. */
@Injectable()
export class InboundService {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Records what incident-state did with one event of a hook, and when it was the last event
   * still on its way, the hook's own outcome. Idempotent: the same outcome twice leaves the same
   * rows. The hook's row is locked first, so the outcomes of its events settle one at a time.
   */
  async applyOutcome(outcome: HookOutcomeV1): Promise<void> {
    await this.dataSource.transaction(async (em) => {
      const message = await em
        .getRepository(InboundMessage)
        .createQueryBuilder('m')
        .setLock('pessimistic_write')
        .where('m.hook_id = :hookId', { hookId: outcome.hookId })
        .getOne();
      if (!message) {
        // normalize commits the entry before it publishes the events an outcome answers: retry.
        throw new Error(`inbound message ${outcome.hookId} not found yet`);
      }
      const updated = await em
        .createQueryBuilder()
        .update(InboundEvent)
        .set({
          outcome: outcome.outcome,
          incidentId: outcome.incidentId ?? null,
          ...(outcome.detail !== undefined ? { detail: outcome.detail } : {}),
        })
        .where('hook_id = :hookId AND index = :index', { hookId: outcome.hookId, index: outcome.index })
        .execute();
      if (updated.affected === 0) {
        // An entry recorded before events had rows of their own: the outcome is the hook's.
        await this.setMessage(em, outcome.hookId, {
          outcome: outcome.outcome,
          incidentId: outcome.incidentId ?? null,
          detail: outcome.detail ?? message.detail,
        });
        return;
      }
      const pending = await em.count(InboundEvent, {
        where: { hookId: outcome.hookId, outcome: 'accepted' },
      });
      if (pending === 0) await this.settle(em, outcome.hookId);
      else if (message.incidentId === null && outcome.incidentId) {
        await this.setMessage(em, outcome.hookId, {
          outcome: message.outcome,
          incidentId: outcome.incidentId,
          detail: message.detail,
        });
      }
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
