import { Injectable, Logger } from '@nestjs/common';
import { DeployReceived, SUBJECTS, deployMessageId, type DeployReceivedV1 } from '@tocsin/contracts';
import { JetStreamPublisher, MessageTooLargeError, PublishFailedError } from '@tocsin/messaging';
import { HttpError, withoutStack } from '@tocsin/platform';
import { IngestLimitsService } from '../limits/ingest-limits.service';
import { StoreOverloadedError } from '../limits/rate-limited.exception';
import { DeployNotStoredError } from './deploy-not-stored.exception';

/**
 * Stores a received deploy in JetStream (`deploys.received`) and resolves once the stream acked,
 * so a deploy answered 202 is recorded even while deploy-tracker is down. The Nats-Msg-Id comes
 * from integration and dedup_id: of several posts of one deploy, concurrent ones included, the
 * stream stores the first and acknowledges the others as duplicates.
 */
@Injectable()
export class DeployStoreService {
  private readonly logger = new Logger(DeployStoreService.name);

  constructor(
    private readonly publisher: JetStreamPublisher,
    private readonly limits: IngestLimitsService,
  ) {}

  /** Resolves with `duplicate: true` when the stream already held a deploy with this dedup_id. */
  async store(deploy: DeployReceivedV1): Promise<{ duplicate: boolean }> {
    try {
      const result = await this.limits.publish(() =>
        this.publisher.publish(SUBJECTS.deployReceived(), DeployReceived, deploy, {
          messageId: deployMessageId(deploy.integrationId, deploy.deployId, deploy.dedupId),
        }),
      );
      return { duplicate: result.duplicate };
    } catch (error) {
      if (error instanceof StoreOverloadedError) {
        throw withoutStack(
          () =>
            new DeployNotStoredError(deploy.deployId, {
              cause: error,
              message: error.message,
              retryAfterSeconds: error.retryAfterSeconds,
            }),
        );
      }
      if (error instanceof MessageTooLargeError) {
        throw new HttpError(
          413,
          `the deploy is too large to store: the NATS server takes at most ${error.limit} bytes per message`,
        );
      }
      if (error instanceof PublishFailedError) {
        this.logger.warn(
          { deployId: deploy.deployId, integrationId: deploy.integrationId, err: error.cause },
          'deploy not stored: JetStream unavailable',
        );
        throw withoutStack(() => new DeployNotStoredError(deploy.deployId, { cause: error }));
      }
      throw error;
    }
  }
}
