import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { CONSUMERS, IncidentChanged, type Envelope, type IncidentChangedV1 } from '@tocsin/contracts';
import { JetStreamContext, OnStream } from '@tocsin/messaging';
import { IncidentEventsService } from './incident-events.service';

@Controller()
export class IncidentEventsConsumer {
  constructor(private readonly events: IncidentEventsService) {}

  // A few at a time: the escalation and delivery runs share the connection pool with it.
  @OnStream(CONSUMERS.notifierIncidents, { messageType: IncidentChanged, concurrency: 8 })
  changed(@Payload() envelope: Envelope<IncidentChangedV1>, @Ctx() ctx: JetStreamContext): Promise<void> {
    return this.events.record(envelope.payload, ctx.messageId);
  }
}
