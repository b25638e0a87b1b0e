import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { CONSUMERS, DeployReceived, type DeployReceivedV1, type Envelope } from '@tocsin/contracts';
import { JetStreamContext, OnStream } from '@tocsin/messaging';
import { DeploysService } from './deploys.service';

@Controller()
export class DeploysConsumer {
  constructor(private readonly deploys: DeploysService) {}

  @OnStream(CONSUMERS.deployTrackerDeploys, { messageType: DeployReceived })
  received(@Payload() envelope: Envelope<DeployReceivedV1>, @Ctx() ctx: JetStreamContext): Promise<void> {
    return this.deploys.record(envelope.payload, ctx.messageId);
  }
}
