import { Injectable, Logger } from '@nestjs/common';
import { HEADERS, HookReceived, SUBJECTS, type HookReceivedV1 } from '@tocsin/contracts';
import { JetStreamPublisher, MessageTooLargeError, PublishFailedError } from '@tocsin/messaging';
import { HttpError, withoutStack } from '@tocsin/platform';
import { IngestLimitsService } from '../limits/ingest-limits.service';
import { StoreOverloadedError } from '../limits/rate-limited.exception';
import { HookNotStoredError } from './hook-not-stored.exception';

/**
 * Stores a received hook in JetStream, with the hook id as Nats-Msg-Id so that a producer's
 * retry within the stream's duplicate window is dropped. Resolves only once the stream acked.
 */
@Injectable()
export class HookStoreService {
  private readonly logger = new Logger(HookStoreService.name);

  constructor(
    private readonly publisher: JetStreamPublisher,
    private readonly limits: IngestLimitsService,
  ) {}

  /** Resolves with `duplicate: true` when the stream already held this hook id. */
  async store(hook: HookReceivedV1): Promise<{ duplicate: boolean }> {
    try {
      const result = await this.limits.publish(() =>
        this.publisher.publish(SUBJECTS.hookReceived(hook.integrationId), HookReceived, hook, {
          messageId: hook.hookId,
          // normalize handles one integration's hooks one after another, in the order stored.
          headers: { [HEADERS.hookId]: hook.hookId, [HEADERS.orderingKey]: hook.integrationId },
        }),
      );
      return { duplicate: result.duplicate };
    } catch (error) {
      if (error instanceof StoreOverloadedError) {
        throw withoutStack(
          () =>
            new HookNotStoredError(hook.hookId, {
              cause: error,
              message: error.message,
              retryAfterSeconds: error.retryAfterSeconds,
            }),
        );
      }
      if (error instanceof MessageTooLargeError) {
        // The body passed INGEST_BODY_LIMIT but not, with its envelope, the NATS server's limit.
        throw new HttpError(
          413,
          `the body is too large to store: the NATS server takes at most ${error.limit} bytes per message, body and envelope together`,
        );
      }
      if (error instanceof PublishFailedError) {
        this.logger.warn(
          { hookId: hook.hookId, integrationId: hook.integrationId, err: error.cause },
          'hook not stored: JetStream unavailable',
        );
        throw withoutStack(() => new HookNotStoredError(hook.hookId, { cause: error }));
      }
      throw error;
    }
  }
}
