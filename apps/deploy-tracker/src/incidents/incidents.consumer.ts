import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { CONSUMERS, IncidentChanged, type Envelope, type IncidentChangedV1 } from '@tocsin/contracts';
import { JetStreamContext, OnStream } from '@tocsin/messaging';
import { IncidentsService } from './incidents.service';

@Controller()
export class IncidentsConsumer {
  constructor(private readonly incidents: IncidentsService) {}

  @OnStream(CONSUMERS.deployTrackerIncidents, { messageType: IncidentChanged })
  changed(@Payload() envelope: Envelope<IncidentChangedV1>, @Ctx() ctx: JetStreamContext): Promise<void> {
    return this.incidents.apply(envelope.payload, ctx.message.seq);
  }
}
