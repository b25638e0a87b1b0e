import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import {
  CONSUMERS,
  HookOutcome,
  HookReceived,
  type Envelope,
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

  @OnStream(CONSUMERS.normalizeHooks, { messageType: HookReceived, ordered: true })
  received(@Payload() envelope: Envelope<HookReceivedV1>, @Ctx() ctx: JetStreamContext): Promise<void> {
    return this.hooks.handle(envelope, ctx.messageId);
  }

  @OnStream(CONSUMERS.normalizeOutcomes, { messageType: HookOutcome })
  outcome(@Payload() envelope: Envelope<HookOutcomeV1>): Promise<void> {
    return this.inbound.applyOutcome(envelope.payload);
  }
}
