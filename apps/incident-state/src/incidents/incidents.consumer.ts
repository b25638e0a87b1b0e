import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { CONSUMERS, EventNormalized, type Envelope, type EventNormalizedV1 } from '@tocsin/contracts';
import { JetStreamBatchContext, OnStream } from '@tocsin/messaging';
import { IncidentsService } from './incidents.service';

@Controller()
export class IncidentsConsumer {
  constructor(private readonly incidents: IncidentsService) {}

  /** A batch of one partition's events, in stream order; one result per event. */
  @OnStream(CONSUMERS.incidentStateEvents, { messageType: EventNormalized })
  normalized(
    @Payload() envelopes: Envelope<EventNormalizedV1>[],
    @Ctx() ctx: JetStreamBatchContext,
  ): Promise<(Error | undefined)[]> {
    const ids = ctx.messageIds;
    return this.incidents.applyAll(envelopes.map((e, i) => ({ event: e.payload, messageId: ids[i] })));
  }
}
