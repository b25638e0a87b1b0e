import { Controller, HttpCode, HttpException, Logger, Param, Post, Req } from '@nestjs/common';
import type { IntegrationIndexEntryV1 } from '@tocsin/contracts';
import { HttpError, withoutStack } from '@tocsin/platform';
import type { FastifyRequest } from 'fastify';
import { Clock } from '../clock';
import { IngestLimitsService } from '../limits/ingest-limits.service';
import { RateLimitedError } from '../limits/rate-limited.exception';
import { looksLikeRecovery } from '../limits/recovery';
import { TokenIndexService } from '../tokens/token-index.service';
import { readJsonBody } from './body';
import { hookIdFor } from './delivery';
import { capturedHeaders } from './headers';
import { HookNotStoredError } from './hook-not-stored.exception';
import { HookStoreService } from './hook-store.service';
import { verifySignature } from './signatures';

/** The producers' door: a webhook is answered 202 only once JetStream has stored it. */
@Controller()
export class HooksController {
  private readonly logger = new Logger(HooksController.name);

  constructor(
    private readonly tokens: TokenIndexService,
    private readonly hooks: HookStoreService,
    private readonly clock: Clock,
    private readonly limits: IngestLimitsService,
  ) {}

  @Post('hooks/:token')
  @HttpCode(202)
  async receive(
    @Param('token') token: string,
    @Req() request: FastifyRequest,
  ): Promise<{ status: 'accepted'; id: string }> {
    const integration = this.tokens.findEnabled(token, 'alert');
    if (!integration) {
      throw withoutStack(() => new HttpError(404, 'no enabled alert integration has this token'));
    }
    const now = this.clock.now();
    const raw = Buffer.isBuffer(request.body) ? request.body : undefined;
    this.authenticate(integration, request, raw, now);
    const body = readJsonBody(request.headers['content-type'], raw);
    this.admit(integration.integrationId, body);
    const hookId = hookIdFor(integration.integrationId, request.headers, body);
    try {
      await this.hooks.store({
        hookId,
        integrationId: integration.integrationId,
        receivedAt: now.toISOString(),
        contentType: (request.headers['content-type'] ?? '').slice(0, 200),
        headers: capturedHeaders(integration, request.headers, now),
        body,
        route: 'hooks',
      });
    } catch (error) {
      if (error instanceof HookNotStoredError) {
        throw withoutStack(
          () =>
            new HttpError(503, error.message, undefined, {
              'Retry-After': String(error.retryAfterSeconds),
            }),
        );
      }
      throw error;
    }
    // A producer's retry of a stored delivery is the same hook: the stream dropped it, same answer.
    return { status: 'accepted', id: hookId };
  }

  /** 429 over a rate limit, unless the body reports a recovery (see looksLikeRecovery). */
  private admit(integrationId: string, body: string): void {
    try {
      this.limits.admit(integrationId, 'hooks', () => looksLikeRecovery(body));
    } catch (error) {
      if (!(error instanceof RateLimitedError)) throw error;
      throw withoutStack(() => new RateLimitedHttpError(error));
    }
  }

  /** 401 unless the request carries the signature the integration's scheme asks for. */
  private authenticate(
    integration: IntegrationIndexEntryV1,
    request: FastifyRequest,
    raw: Buffer | undefined,
    now: Date,
  ): void {
    if (!integration.signatureScheme) return;
    const check = verifySignature({
      scheme: integration.signatureScheme,
      secret: integration.signingSecret,
      headers: request.headers,
      body: raw ?? Buffer.alloc(0),
      now,
    });
    if (check.ok) return;
    // Never the secret nor the header's value: the reason is enough to act on.
    this.logger.warn(
      {
        integrationId: integration.integrationId,
        scheme: integration.signatureScheme,
        reason: check.failure,
      },
      `hook refused: ${check.failure} signature (${check.header})`,
    );
    throw new HttpError(401, check.message);
  }
}

/** A 429 in the generic error shape, with the limit that refused it and Retry-After. */
class RateLimitedHttpError extends HttpException {
  readonly headers: Record<string, string>;

  constructor(error: RateLimitedError) {
    super({ error: 'rate_limited', message: error.message, limit: error.limit }, 429);
    this.headers = error.headers;
  }
}
