import { Module } from '@nestjs/common';
import { ConfigModule, DeployTrackerSettings } from '@tocsin/config';
import { MessagingModule, NatsLifecycle } from '@tocsin/messaging';
import { DatabaseLifecycle, PersistenceModule } from '@tocsin/persistence';
import { HealthModule, loggingParams } from '@tocsin/platform';
import { LoggerModule } from 'nestjs-pino';
import { DeploysConsumer } from './deploys/deploys.consumer';
import { DeploysController } from './deploys/deploys.controller';
import { DeploysQuery } from './deploys/deploys.query';
import { DeploysService } from './deploys/deploys.service';
import { IncidentsConsumer } from './incidents/incidents.consumer';
import { IncidentsController } from './incidents/incidents.controller';
import { IncidentsService } from './incidents/incidents.service';
import { IntegrationServicesService } from './incidents/integration-services.service';
import { SuspectsQuery } from './incidents/suspects.query';
import { SCHEMA } from './schema';
import { AliasIndexService } from './services/alias-index.service';
import { ServiceMetricsService } from './services/service-metrics.service';
import { ServicesController } from './services/services.controller';
import { ServicesService } from './services/services.service';
import { SuggestionsController } from './suggestions/suggestions.controller';
import { SuggestionsService } from './suggestions/suggestions.service';

export const SERVICE = 'deploy-tracker';

/** Deploys, the service catalog, suggestions, and the deploys that came before each incident. */
@Module({
  imports: [
    ConfigModule.forRoot(DeployTrackerSettings),
    LoggerModule.forRootAsync({
      inject: [DeployTrackerSettings],
      useFactory: (s: DeployTrackerSettings) => loggingParams(SERVICE, s, { logRequests: false }),
    }),
    MessagingModule.forRoot(SERVICE, DeployTrackerSettings),
    PersistenceModule.forRoot(DeployTrackerSettings, SCHEMA),
    HealthModule.forRoot(SERVICE, { nats: NatsLifecycle, database: DatabaseLifecycle }),
  ],
  controllers: [
    DeploysConsumer,
    IncidentsConsumer,
    ServicesController,
    SuggestionsController,
    DeploysController,
    IncidentsController,
  ],
  providers: [
    AliasIndexService,
    ServicesService,
    ServiceMetricsService,
    SuggestionsService,
    DeploysService,
    DeploysQuery,
    IncidentsService,
    IntegrationServicesService,
    SuspectsQuery,
  ],
})
export class AppModule {}
