import { Controller } from '@nestjs/common';
import { Ctx } from '@nestjs/microservices';
import { CONSUMERS, HEADERS } from '@tocsin/contracts';
import { JetStreamContext, OnStream } from '@tocsin/messaging';
import { PinoLogger } from 'nestjs-pino';
import { InboundService } from './inbound.service';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Every dead letter that came from a hook shows in the inbound log as `failed`, with its reason. */
@Controller()
export class DeadLettersConsumer {
  constructor(
    private readonly inbound: InboundService,
    private readonly logger: PinoLogger,
  ) {}

  @OnStream(CONSUMERS.normalizeDeadLetters)
  async deadLetter(_data: unknown, @Ctx() ctx: JetStreamContext): Promise<void> {
    const reason = ctx.header(HEADERS.deadLetterReason) ?? 'dead-lettered';
    const subject = ctx.header(HEADERS.deadLetterSubject) ?? '';
    const consumer = ctx.header(HEADERS.deadLetterConsumer) ?? 'unknown';
    this.logger.error({ subject, consumer, reason }, 'message dead-lettered');
    const hookId = ctx.header(HEADERS.hookId) ?? this.hookIdOf(ctx);
    if (!hookId) return;
    const segment = subject.split('.').pop() ?? '';
    const integrationId = subject.startsWith('hooks.received.') && UUID.test(segment) ? segment : null;
    const detail = `${consumer}: ${reason}`.slice(0, 2000);
    const recorded = await this.inbound.markFailed(
      hookId,
      this.indexOf(ctx),
      integrationId,
      detail,
      this.bodyOf(ctx),
    );
    if (!recorded) this.logger.warn({ hookId }, 'dead letter names a hook the inbound log does not know');
  }

  private envelope(
    ctx: JetStreamContext,
  ): { payload?: { hookId?: unknown; body?: unknown; index?: unknown } } | null {
    try {
      return ctx.message.json();
    } catch {
      return null;
    }
  }

  private hookIdOf(ctx: JetStreamContext): string | undefined {
    const hookId = this.envelope(ctx)?.payload?.hookId;
    return typeof hookId === 'string' && hookId.length <= 100 ? hookId : undefined;
  }

  /** The event's position, when the dead letter is one event of a hook. */
  private indexOf(ctx: JetStreamContext): number | null {
    const index = this.envelope(ctx)?.payload?.index;
    return typeof index === 'number' && Number.isInteger(index) && index >= 0 ? index : null;
  }

  private bodyOf(ctx: JetStreamContext): string {
    const body = this.envelope(ctx)?.payload?.body;
    return typeof body === 'string' ? body : ctx.message.string().slice(0, 1024 * 1024);
  }
}
