import { Controller, HttpCode, Post, Req, UseFilters } from '@nestjs/common';
import { uuidv7 } from '@tocsin/messaging';
import { withoutStack } from '@tocsin/platform';
import type { FastifyRequest } from 'fastify';
import { randomBytes } from 'node:crypto';
import { Clock } from '../clock';
import { capturedHeaders } from '../hooks/headers';
import { HookNotStoredError } from '../hooks/hook-not-stored.exception';
import { HookStoreService } from '../hooks/hook-store.service';
import { IngestLimitsService } from '../limits/ingest-limits.service';
import { RateLimitedError } from '../limits/rate-limited.exception';
import { TokenIndexService } from '../tokens/token-index.service';
import { invalidEvent, parsePagerDutyEvent, throttled, type PagerDutySuccessBody } from './pagerduty-event';
import { PagerDutyException } from './pagerduty.exception';
import { PagerDutyExceptionFilter } from './pagerduty-exception.filter';

/** A dedup key like the ones PagerDuty makes: 32 lower-case hex digits. */
function newDedupKey(): string {
  return randomBytes(16).toString('hex');
}

/**
 * PagerDuty Events API v2 (`POST /v2/enqueue`): the routing key is the integration's token.
 * Same guarantee as /hooks: 202 only once JetStream stored the event, 503 + Retry-After otherwise.
 */
@Controller()
@UseFilters(PagerDutyExceptionFilter)
export class PagerDutyController {
  constructor(
    private readonly tokens: TokenIndexService,
    private readonly hooks: HookStoreService,
    private readonly clock: Clock,
    private readonly limits: IngestLimitsService,
  ) {}

  @Post('v2/enqueue')
  @HttpCode(202)
  async enqueue(@Req() request: FastifyRequest): Promise<PagerDutySuccessBody> {
    const raw = Buffer.isBuffer(request.body) ? request.body : undefined;
    const header = request.headers['x-routing-key'];
    const event = parsePagerDutyEvent(
      request.headers['content-type'],
      raw,
      newDedupKey,
      typeof header === 'string' ? header : undefined,
    );
    if (!event.ok) throw new PagerDutyException(event.status, event.body);
    const integration = this.tokens.findEnabled(event.routingKey, 'alert');
    if (!integration) {
      throw withoutStack(
        () =>
          new PagerDutyException(
            404,
            invalidEvent(['Invalid routing key: no enabled alert integration has this routing key']),
          ),
      );
    }
    try {
      // resolve and acknowledge are always admitted: an overload must not keep an incident open.
      this.limits.admit(integration.integrationId, 'pagerduty', () => event.eventAction !== 'trigger');
    } catch (error) {
      if (error instanceof RateLimitedError) {
        throw withoutStack(
          () => new PagerDutyException(429, throttled(error.message, error.limit), error.headers),
        );
      }
      throw error;
    }
    const now = this.clock.now();
    // PagerDuty names no delivery: every request is a new hook.
    const hookId = uuidv7();
    try {
      await this.hooks.store({
        hookId,
        integrationId: integration.integrationId,
        receivedAt: now.toISOString(),
        contentType: (request.headers['content-type'] ?? '').slice(0, 200),
        headers: capturedHeaders(integration, request.headers, now),
        body: event.body,
        route: 'pagerduty',
      });
    } catch (error) {
      if (error instanceof HookNotStoredError) {
        throw withoutStack(
          () =>
            new PagerDutyException(
              503,
              { status: 'unavailable', message: error.message },
              { 'Retry-After': String(error.retryAfterSeconds) },
            ),
        );
      }
      throw error;
    }
    return { status: 'success', message: 'Event processed', dedup_key: event.dedupKey };
  }
}
