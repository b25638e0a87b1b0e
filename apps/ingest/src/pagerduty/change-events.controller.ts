import { Controller, HttpCode, Post, Req, UseFilters } from '@nestjs/common';
import { uuidv7 } from '@tocsin/messaging';
import { withoutStack } from '@tocsin/platform';
import type { FastifyRequest } from 'fastify';
import { Clock } from '../clock';
import { DeployNotStoredError } from '../deploys/deploy-not-stored.exception';
import { DeployStoreService } from '../deploys/deploy-store.service';
import { IngestLimitsService } from '../limits/ingest-limits.service';
import { RateLimitedError } from '../limits/rate-limited.exception';
import { TokenIndexService } from '../tokens/token-index.service';
import {
  CHANGE_EVENT_PROCESSED,
  parsePagerDutyChangeEvent,
  type PagerDutyChangeSuccessBody,
} from './pagerduty-change';
import { invalidEvent, throttled } from './pagerduty-event';
import { PagerDutyExceptionFilter } from './pagerduty-exception.filter';
import { PagerDutyException } from './pagerduty.exception';

/**
 * PagerDuty change events (`POST /v2/change/enqueue`): each becomes a deploy of the service of the
 * integration whose token is the routing key. As with PagerDuty, the same key serves alert and
 * change events, so alert and deploy integrations both take them. 202 only once JetStream stored
 * the deploy, 503 + Retry-After otherwise.
 */
@Controller()
@UseFilters(PagerDutyExceptionFilter)
export class ChangeEventsController {
  constructor(
    private readonly tokens: TokenIndexService,
    private readonly deploys: DeployStoreService,
    private readonly clock: Clock,
    private readonly limits: IngestLimitsService,
  ) {}

  @Post('v2/change/enqueue')
  @HttpCode(202)
  async enqueue(@Req() request: FastifyRequest): Promise<PagerDutyChangeSuccessBody> {
    const now = this.clock.now();
    const raw = Buffer.isBuffer(request.body) ? request.body : undefined;
    const header = request.headers['x-routing-key'];
    const event = parsePagerDutyChangeEvent(
      request.headers['content-type'],
      raw,
      now,
      typeof header === 'string' ? header : undefined,
    );
    if (!event.ok) throw new PagerDutyException(event.status, event.body);
    const integration = this.tokens.lookup(event.routingKey);
    if (!integration?.enabled) {
      throw withoutStack(
        () =>
          new PagerDutyException(
            404,
            invalidEvent(['Invalid routing key: no enabled integration has this routing key']),
          ),
      );
    }
    try {
      this.limits.admit(integration.integrationId, 'pagerduty-change');
    } catch (error) {
      if (error instanceof RateLimitedError) {
        throw withoutStack(
          () => new PagerDutyException(429, throttled(error.message, error.limit), error.headers),
        );
      }
      throw error;
    }
    try {
      // PagerDuty names no delivery and has no dedup id for changes: every request is a deploy.
      await this.deploys.store({
        ...event.deploy,
        deployId: uuidv7(),
        integrationId: integration.integrationId,
        source: 'pagerduty',
        receivedAt: now.toISOString(),
        ...(integration.serviceId ? { serviceId: integration.serviceId } : {}),
      });
    } catch (error) {
      if (error instanceof DeployNotStoredError) {
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
    return CHANGE_EVENT_PROCESSED;
  }
}
