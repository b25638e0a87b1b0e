import { Module } from '@nestjs/common';
import { ConfigModule, IncidentStateSettings } from '@tocsin/config';
import { MessagingModule, NatsLifecycle } from '@tocsin/messaging';
import { DatabaseLifecycle, PersistenceModule } from '@tocsin/persistence';
import { HealthModule, loggingParams } from '@tocsin/platform';
import { LoggerModule } from 'nestjs-pino';
import { IncidentActionsService } from './incidents/incident-actions.service';
import { IncidentsConsumer } from './incidents/incidents.consumer';
import { IncidentsController } from './incidents/incidents.controller';
import { IncidentsQuery } from './incidents/incidents.query';
import { IncidentsService } from './incidents/incidents.service';
import { KnownIntegrationsService } from './incidents/known-integrations.service';
import { SweeperService } from './incidents/sweeper.service';
import { MaintenanceCalendarService } from './maintenance/maintenance-calendar.service';
import { MaintenanceController } from './maintenance/maintenance.controller';
import { MaintenanceService } from './maintenance/maintenance.service';
import { SCHEMA } from './schema';

export const SERVICE = 'incident-state';

@Module({
  imports: [
    ConfigModule.forRoot(IncidentStateSettings),
    LoggerModule.forRootAsync({
      inject: [IncidentStateSettings],
      useFactory: (s: IncidentStateSettings) => loggingParams(SERVICE, s, { logRequests: false }),
    }),
    MessagingModule.forRoot(SERVICE, IncidentStateSettings),
    PersistenceModule.forRoot(IncidentStateSettings, SCHEMA),
    HealthModule.forRoot(SERVICE, { nats: NatsLifecycle, database: DatabaseLifecycle }),
  ],
  controllers: [IncidentsConsumer, IncidentsController, MaintenanceController],
  providers: [
    IncidentsService,
    KnownIntegrationsService,
    IncidentsQuery,
    IncidentActionsService,
    MaintenanceService,
    MaintenanceCalendarService,
    SweeperService,
  ],
})
export class AppModule {}
