import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import {
  CONSUMERS,
  HookOutcome,
  HookOutcomes,
  HookReceived,
  outcomesCarried,
  type Envelope,
  type HookOutcomesV1,
  type HookOutcomeV1,
  type HookReceivedV1,
} from '@tocsin/contracts';
import { JetStreamContext, OnStream } from '@tocsin/messaging';
import { HooksService } from './hooks.service';
import { InboundService } from './inbound.service';

@Controller()
export class HooksConsumer {
  constructor(
    private readonly hooks: HooksService,
    private readonly inbound: InboundService,
  ) {}

  /**
   * Hooks carry their integration as ordering key: each hook's transaction runs concurrently with
   * the others, and its events are published in the order the hooks were stored.
   */
  @OnStream(CONSUMERS.normalizeHooks, { messageType: HookReceived, orderedSections: true, concurrency: 128 })
  received(@Payload() envelope: Envelope<HookReceivedV1>, @Ctx() ctx: JetStreamContext): Promise<void> {
    return this.hooks.handle(envelope, ctx.messageId, (section) => ctx.inOrder(section));
  }

  /**
   * Outcomes come together (`hook.outcomes`, one message per integration and transaction of
   * incident-state) or, from an incident-state older than that, one each (`hook.outcome`). They are
   * small and recorded in batches: more in hand make fuller batches.
   */
  @OnStream(CONSUMERS.normalizeOutcomes, { messageType: [HookOutcomes, HookOutcome], concurrency: 128 })
  outcome(@Payload() envelope: Envelope<HookOutcomesV1 | HookOutcomeV1>): Promise<void> {
    return this.inbound.applyOutcomes(outcomesCarried(envelope));
  }
}
