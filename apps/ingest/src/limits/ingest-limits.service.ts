import { Injectable, Logger } from '@nestjs/common';
import { IngestSettings } from '@tocsin/config';
import { withoutStack } from '@tocsin/platform';
import { Clock } from '../clock';
import { admittedOverLimit, pendingPublishes, publishesRefused, rateLimited } from './limits.metrics';
import { PublishGate } from './publish-gate';
import { RateLimitedError, StoreOverloadedError } from './rate-limited.exception';
import { RateLimiter } from './token-bucket';

/** The route a request came in by, as metrics label it. */
export type IngestRoute = 'hooks' | 'pagerduty' | 'deploys' | 'pagerduty-change';

/**
 * The limits of this ingest process: a token bucket per integration and one for all of them
 * (INGEST_RATE_* / INGEST_BURST_*), and a bound on publishes waiting for JetStream's ack
 * (INGEST_MAX_PENDING_PUBLISHES). All are per process: N replicas admit N times as much.
 */
@Injectable()
export class IngestLimitsService {
  private readonly logger = new Logger(IngestLimitsService.name);
  private readonly limiter: RateLimiter;
  private readonly gate: PublishGate;

  constructor(
    settings: IngestSettings,
    private readonly clock: Clock,
  ) {
    this.limiter = new RateLimiter(
      {
        perIntegration: {
          rate: settings.INGEST_RATE_PER_INTEGRATION,
          burst: settings.INGEST_BURST_PER_INTEGRATION,
        },
        total: { rate: settings.INGEST_RATE_TOTAL, burst: settings.INGEST_BURST_TOTAL },
      },
      clock.now().getTime(),
    );
    this.gate = new PublishGate(settings.INGEST_MAX_PENDING_PUBLISHES);
  }

  /**
   * Takes a token for one event of the integration, or throws RateLimitedError. An event over the
   * limit that `isRecovery` says closes something is admitted anyway (and counted), so that an
   * overload never keeps an incident open. `isRecovery` runs only over the limit.
   */
  admit(integrationId: string, route: IngestRoute, isRecovery: () => boolean = () => false): void {
    const admission = this.limiter.admit(integrationId, this.clock.now().getTime());
    if (admission.admitted) return;
    const bucket = admission.limit.bucket;
    if (isRecovery()) {
      admittedOverLimit.inc({ route, bucket });
      return;
    }
    rateLimited.inc({ route, bucket });
    this.logger.debug({ integrationId, route, bucket }, 'request over the rate limit refused');
    throw withoutStack(() => new RateLimitedError(admission.limit, admission.retryAfterSeconds));
  }

  /** Runs a publish unless INGEST_MAX_PENDING_PUBLISHES already wait; StoreOverloadedError then. */
  async publish<T>(publish: () => Promise<T>): Promise<T> {
    const result = await this.gate.run(async () => {
      pendingPublishes.set(this.gate.pending);
      try {
        return await publish();
      } finally {
        pendingPublishes.set(this.gate.pending - 1);
      }
    });
    if (result) return result.value;
    publishesRefused.inc();
    throw withoutStack(() => new StoreOverloadedError());
  }
}
