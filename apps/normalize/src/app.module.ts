import { Module } from '@nestjs/common';
import { ConfigModule, NormalizeSettings } from '@tocsin/config';
import { MessagingModule, NatsLifecycle } from '@tocsin/messaging';
import { DatabaseLifecycle, PersistenceModule } from '@tocsin/persistence';
import { HealthModule, loggingParams } from '@tocsin/platform';
import { LoggerModule } from 'nestjs-pino';
import { DeadLettersConsumer } from './inbound/dead-letters.consumer';
import { HooksConsumer } from './inbound/hooks.consumer';
import { HooksService } from './inbound/hooks.service';
import { InboundQuery } from './inbound/inbound.query';
import { InboundService } from './inbound/inbound.service';
import { PendingHooksService } from './inbound/pending-hooks.service';
import { RetentionService } from './inbound/retention.service';
import { DryRunService } from './integrations/dry-run.service';
import { IntegrationIndexService } from './integrations/integration-index.service';
import { IntegrationsController } from './integrations/integrations.controller';
import { IntegrationsService } from './integrations/integrations.service';
import { MappingsService } from './integrations/mappings.service';
import { SCHEMA } from './schema';

export const SERVICE = 'normalize';

@Module({
  imports: [
    ConfigModule.forRoot(NormalizeSettings),
    LoggerModule.forRootAsync({
      inject: [NormalizeSettings],
      useFactory: (s: NormalizeSettings) => loggingParams(SERVICE, s, { logRequests: false }),
    }),
    MessagingModule.forRoot(SERVICE, NormalizeSettings),
    PersistenceModule.forRoot(NormalizeSettings, SCHEMA),
    HealthModule.forRoot(SERVICE, { nats: NatsLifecycle, database: DatabaseLifecycle }),
  ],
  controllers: [IntegrationsController, HooksConsumer, DeadLettersConsumer],
  providers: [
    IntegrationsService,
    IntegrationIndexService,
    MappingsService,
    DryRunService,
    HooksService,
    InboundService,
    InboundQuery,
    PendingHooksService,
    RetentionService,
  ],
})
export class AppModule {}
