import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ApiSettings, ConfigModule } from '@tocsin/config';
import { MessagingModule, NatsLifecycle } from '@tocsin/messaging';
import { DatabaseLifecycle, PersistenceModule } from '@tocsin/persistence';
import { HealthModule, loggingParams } from '@tocsin/platform';
import { LoggerModule } from 'nestjs-pino';
import { ApiKeyGuard } from './auth/api-key.guard';
import { ApiKeysController } from './auth/api-keys.controller';
import { RpcGateway } from './gateway/rpc.gateway';
import { DeploysController } from './deploys/deploys.controller';
import { IncidentsController } from './incidents/incidents.controller';
import { IntegrationsController } from './integrations/integrations.controller';
import { MaintenanceController } from './maintenance/maintenance.controller';
import { OpenApiController } from './openapi/openapi.controller';
import { ActionsController } from './paging/actions.controller';
import { NotificationsController } from './paging/notifications.controller';
import { EscalationPoliciesController } from './on-call/escalation-policies.controller';
import { IcalController } from './on-call/ical.controller';
import { SchedulesController } from './on-call/schedules.controller';
import { TeamsController } from './people/teams.controller';
import { UsersController } from './people/users.controller';
import { SCHEMA } from './schema';
import { ServiceSuggestionsController } from './service-suggestions/service-suggestions.controller';
import { ServicesController } from './services/services.controller';
import { TemplatesController } from './templates/templates.controller';
import { IncidentStreamController, IncidentStreamService } from './stream/incident-stream.controller';

export const SERVICE = 'api';

@Module({
  imports: [
    ConfigModule.forRoot(ApiSettings),
    LoggerModule.forRootAsync({
      inject: [ApiSettings],
      useFactory: (s: ApiSettings) => loggingParams(SERVICE, s),
    }),
    MessagingModule.forRoot(SERVICE, ApiSettings),
    PersistenceModule.forRoot(ApiSettings, SCHEMA),
    HealthModule.forRoot(SERVICE, { nats: NatsLifecycle, database: DatabaseLifecycle }),
  ],
  controllers: [
    ApiKeysController,
    IntegrationsController,
    TemplatesController,
    IncidentStreamController,
    IncidentsController,
    MaintenanceController,
    UsersController,
    TeamsController,
    NotificationsController,
    ActionsController,
    ServicesController,
    ServiceSuggestionsController,
    DeploysController,
    EscalationPoliciesController,
    SchedulesController,
    IcalController,
    OpenApiController,
  ],
  providers: [{ provide: APP_GUARD, useClass: ApiKeyGuard }, RpcGateway, IncidentStreamService],
})
export class AppModule {}
