import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { CONSUMERS, EventNormalized, type Envelope, type EventNormalizedV1 } from '@tocsin/contracts';
import { JetStreamContext, OnStream } from '@tocsin/messaging';
import { IncidentsService } from './incidents.service';

@Controller()
export class IncidentsConsumer {
  constructor(private readonly incidents: IncidentsService) {}

  @OnStream(CONSUMERS.incidentStateEvents, { messageType: EventNormalized })
  normalized(@Payload() envelope: Envelope<EventNormalizedV1>, @Ctx() ctx: JetStreamContext): Promise<void> {
    return this.incidents.apply(envelope.payload, ctx.messageId);
  }
}
