import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { CONSUMERS, IncidentChanged, type Envelope, type IncidentChangedV1 } from '@tocsin/contracts';
import { JetStreamContext, OnStream } from '@tocsin/messaging';
import { IncidentEventsService } from './incident-events.service';

@Controller()
export class IncidentEventsConsumer {
  constructor(private readonly events: IncidentEventsService) {}

  // Many at a time, so that the changes in flight are recorded in few transactions; those take at
  // most two of the pool's connections, which the escalation and delivery runs share.
  @OnStream(CONSUMERS.notifierIncidents, { messageType: IncidentChanged, concurrency: 64 })
  changed(@Payload() envelope: Envelope<IncidentChangedV1>, @Ctx() ctx: JetStreamContext): Promise<void> {
    return this.events.record(envelope.payload, ctx.messageId);
  }
}
