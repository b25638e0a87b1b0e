import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { CONSUMERS, IncidentChanged, type Envelope, type IncidentChangedV1 } from '@tocsin/contracts';
import { JetStreamContext, OnStream } from '@tocsin/messaging';
import { IncidentsService } from './incidents.service';

@Controller()
export class IncidentsConsumer {
  constructor(private readonly incidents: IncidentsService) {}

  // Many at a time, so that the changes in flight are applied in few transactions.
  @OnStream(CONSUMERS.deployTrackerIncidents, { messageType: IncidentChanged, concurrency: 64 })
  changed(@Payload() envelope: Envelope<IncidentChangedV1>, @Ctx() ctx: JetStreamContext): Promise<void> {
    return this.incidents.apply(envelope.payload, ctx.message.seq);
  }
}
