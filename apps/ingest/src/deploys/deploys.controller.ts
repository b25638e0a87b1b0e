import { Controller, HttpCode, Logger, Param, Post, Req, UseFilters } from '@nestjs/common';
import type { IntegrationIndexEntryV1 } from '@tocsin/contracts';
import { uuidv7 } from '@tocsin/messaging';
import { withoutStack } from '@tocsin/platform';
import type { FastifyRequest } from 'fastify';
import { Clock } from '../clock';
import { verifySignature } from '../hooks/signatures';
import { IngestLimitsService } from '../limits/ingest-limits.service';
import { RateLimitedError } from '../limits/rate-limited.exception';
import { TokenIndexService } from '../tokens/token-index.service';
import { AliasIndexService } from './alias-index.service';
import { DEPLOY_OK, DUPLICATE_DEPLOY, noServiceFound, type DeployAnswer } from './deploy-answer';
import { DeployNotStoredError } from './deploy-not-stored.exception';
import { DeployStoreService } from './deploy-store.service';
import { OpsLevelExceptionFilter } from './opslevel-exception.filter';
import { OpsLevelException } from './opslevel.exception';
import { parseOpsLevelDeploy } from './opslevel-deploy';

/**
 * OpsLevel's "Custom Deploys" webhook (`POST /deploys/{token}`), answered in OpsLevel's words.
 * A deploy is answered 202 only once JetStream stored it; `ok` or `no_service_found` comes from
 * the alias index, `duplicate_deploy` from the stream's duplicate detection on the dedup_id.
 */
@Controller()
@UseFilters(OpsLevelExceptionFilter)
export class DeploysController {
  private readonly logger = new Logger(DeploysController.name);

  constructor(
    private readonly tokens: TokenIndexService,
    private readonly aliases: AliasIndexService,
    private readonly deploys: DeployStoreService,
    private readonly clock: Clock,
    private readonly limits: IngestLimitsService,
  ) {}

  @Post('deploys/:token')
  @HttpCode(202)
  async receive(@Param('token') token: string, @Req() request: FastifyRequest): Promise<DeployAnswer> {
    const integration = this.tokens.findEnabled(token, 'deploy');
    if (!integration) {
      throw withoutStack(() =>
        OpsLevelException.of(404, 'Not Found', 'no enabled deploy integration has this token'),
      );
    }
    const now = this.clock.now();
    const raw = Buffer.isBuffer(request.body) ? request.body : undefined;
    this.authenticate(integration, request, raw, now);
    const parsed = parseOpsLevelDeploy(request.headers['content-type'], raw);
    if (!parsed.ok) throw new OpsLevelException(parsed.status, parsed.errors);
    const { deploy } = parsed;
    try {
      this.limits.admit(integration.integrationId, 'deploys');
    } catch (error) {
      if (error instanceof RateLimitedError) {
        throw withoutStack(
          () =>
            new OpsLevelException(
              429,
              [
                {
                  status: 429,
                  title: 'Too Many Requests',
                  detail: error.message,
                  meta: { limit: error.limit },
                },
              ],
              error.headers,
            ),
        );
      }
      throw error;
    }
    const matched = this.aliases.lookup(deploy.service);
    let duplicate: boolean;
    try {
      ({ duplicate } = await this.deploys.store({
        ...deploy,
        deployId: uuidv7(),
        integrationId: integration.integrationId,
        source: 'opslevel',
        receivedAt: now.toISOString(),
      }));
    } catch (error) {
      if (error instanceof DeployNotStoredError) {
        throw withoutStack(() =>
          OpsLevelException.of(503, 'Service Unavailable', error.message, {
            'Retry-After': String(error.retryAfterSeconds),
          }),
        );
      }
      throw error;
    }
    if (duplicate) return DUPLICATE_DEPLOY;
    return matched ? DEPLOY_OK : noServiceFound(deploy.service);
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
    this.logger.warn(
      {
        integrationId: integration.integrationId,
        scheme: integration.signatureScheme,
        reason: check.failure,
      },
      `deploy refused: ${check.failure} signature (${check.header})`,
    );
    throw OpsLevelException.of(401, 'Unauthorized', check.message);
  }
}
