import { Controller, HttpCode, Param, Post, Req } from '@nestjs/common';
import { HEADERS, HookReceived, SUBJECTS } from '@tocsin/contracts';
import { JetStreamPublisher, PublishFailedError } from '@tocsin/messaging';
import { HttpError } from '@tocsin/platform';
import type { FastifyRequest } from 'fastify';
import { TokenIndexService } from '../tokens/token-index.service';
import { readJsonBody } from './body';
import { hookIdFor, keptHeaders } from './delivery';

/** The producers' door: a webhook is answered 202 only once JetStream has stored it. */
@Controller()
export class HooksController {
  constructor(
    private readonly tokens: TokenIndexService,
    private readonly publisher: JetStreamPublisher,
  ) {}

  @Post('hooks/:token')
  @HttpCode(202)
  async receive(
    @Param('token') token: string,
    @Req() request: FastifyRequest,
  ): Promise<{ status: 'accepted'; id: string }> {
    const integration = this.tokens.lookup(token);
    if (!integration || !integration.enabled || integration.kind !== 'alert') {
      throw new HttpError(404, 'no enabled alert integration has this token');
    }
    const body = readJsonBody(request.headers['content-type'], request.body as Buffer | undefined);
    const hookId = hookIdFor(integration.integrationId, request.headers);
    try {
      await this.publisher.publish(
        SUBJECTS.hookReceived(integration.integrationId),
        HookReceived,
        {
          hookId,
          integrationId: integration.integrationId,
          receivedAt: new Date().toISOString(),
          contentType: (request.headers['content-type'] ?? '').slice(0, 200),
          headers: keptHeaders(request.headers),
          body,
        },
        { messageId: hookId, headers: { [HEADERS.hookId]: hookId } },
      );
    } catch (error) {
      if (error instanceof PublishFailedError) {
        request.log.warn({ hookId, err: error.cause }, 'hook not stored: JetStream unavailable');
        throw new HttpError(503, 'the event store is unavailable; retry later', undefined, {
          'Retry-After': '5',
        });
      }
      throw error;
    }
    return { status: 'accepted', id: hookId };
  }
}
