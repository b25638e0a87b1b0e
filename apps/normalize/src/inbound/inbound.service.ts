import { Injectable } from '@nestjs/common';
import type { HookOutcomeV1 } from '@tocsin/contracts';
import { DataSource } from 'typeorm';
import { InboundMessage } from './inbound-message.entity';

/** Moves inbound log entries to their final outcome. */
@Injectable()
export class InboundService {
  constructor(private readonly dataSource: DataSource) {}

  /** Idempotent: applying the same outcome twice leaves the same row. */
  async applyOutcome(outcome: HookOutcomeV1): Promise<void> {
    const result = await this.dataSource
      .createQueryBuilder()
      .update(InboundMessage)
      .set({
        outcome: outcome.outcome,
        incidentId: outcome.incidentId ?? null,
        ...(outcome.detail !== undefined ? { detail: outcome.detail } : {}),
        updatedAt: () => 'now()',
      })
      .where('hook_id = :hookId', { hookId: outcome.hookId })
      .execute();
    if (result.affected === 0) {
      // normalize commits the row before it publishes the events an outcome answers: retry.
      throw new Error(`inbound message ${outcome.hookId} not found yet`);
    }
  }

  /** Marks a hook failed; records it first when it never got into the log (dead-lettered early). */
  async markFailed(
    hookId: string,
    integrationId: string | null,
    reason: string,
    body: string,
  ): Promise<boolean> {
    const updated = await this.dataSource
      .createQueryBuilder()
      .update(InboundMessage)
      .set({ outcome: 'failed', detail: reason, updatedAt: () => 'now()' })
      .where('hook_id = :hookId', { hookId })
      .execute();
    if ((updated.affected ?? 0) > 0) return true;
    if (!integrationId) return false;
    await this.dataSource
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
  }
}
