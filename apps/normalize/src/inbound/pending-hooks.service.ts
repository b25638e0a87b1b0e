import { Injectable } from '@nestjs/common';
import { CONSUMERS, HookReceived, parseEnvelope, SUBJECTS, type HookReceivedV1 } from '@tocsin/contracts';
import { JetStreamBacklog } from '@tocsin/messaging';
import { PinoLogger } from 'nestjs-pino';

/** The most waiting hooks of one integration the inbound log looks at. */
export const PENDING_LOOKED_AT = 1000;

/**
 * Hooks ingest has stored (and answered 202 for) that normalize has not handled yet: while
 * normalize catches up with a backlog, the inbound log shows them as `accepted` from the stream.
 */
@Injectable()
export class PendingHooksService {
  constructor(
    private readonly backlog: JetStreamBacklog,
    private readonly logger: PinoLogger,
  ) {}

  /** Oldest first; empty when the stream cannot be read (the log then shows what it has). */
  async of(integrationId: string): Promise<HookReceivedV1[]> {
    let messages;
    try {
      messages = await this.backlog.unsettled(
        CONSUMERS.normalizeHooks,
        SUBJECTS.hookReceived(integrationId),
        PENDING_LOOKED_AT,
      );
    } catch (error) {
      this.logger.warn({ err: error, integrationId }, 'waiting hooks could not be read');
      return [];
    }
    const hooks: HookReceivedV1[] = [];
    for (const message of messages) {
      try {
        hooks.push(parseEnvelope(HookReceived, JSON.parse(new TextDecoder().decode(message.data))).payload);
      } catch {
        // A message the consumer will dead-letter; the log shows it as failed once it has.
      }
    }
    return hooks;
  }
}
