import { Module } from '@nestjs/common';
import { ConfigModule, NotifierSettings } from '@tocsin/config';
import { MessagingModule, NatsLifecycle } from '@tocsin/messaging';
import { DatabaseLifecycle, PersistenceModule } from '@tocsin/persistence';
import { HealthModule, loggingParams } from '@tocsin/platform';
import { LoggerModule } from 'nestjs-pino';
import { Clock } from './clock';
import { DirectoryService } from './directory/directory.service';
import { IncidentEventsConsumer } from './incident-events/incident-events.consumer';
import { IncidentEventsService } from './incident-events/incident-events.service';
import { CompiledSchedules } from './on-call/compiled-schedules';
import { PoliciesController } from './on-call/policies.controller';
import { PoliciesService } from './on-call/policies.service';
import { SchedulesController } from './on-call/schedules.controller';
import { SchedulesService } from './on-call/schedules.service';
import { ActionLinks } from './paging/action-links';
import { ActionsService } from './paging/actions.service';
import { ChannelsService } from './paging/channels.service';
import { DeliveryService } from './paging/delivery.service';
import { NotificationsQuery } from './paging/notifications.query';
import { PagingController } from './paging/paging.controller';
import { PagingService } from './paging/paging.service';
import { ServicePolicies } from './paging/service-policies';
import { PeopleController } from './people/people.controller';
import { PeopleService } from './people/people.service';
import { SCHEMA } from './schema';

export const SERVICE = 'notifier';

@Module({
  imports: [
    ConfigModule.forRoot(NotifierSettings),
    LoggerModule.forRootAsync({
      inject: [NotifierSettings],
      useFactory: (s: NotifierSettings) => loggingParams(SERVICE, s, { logRequests: false }),
    }),
    MessagingModule.forRoot(SERVICE, NotifierSettings),
    PersistenceModule.forRoot(NotifierSettings, SCHEMA),
    HealthModule.forRoot(SERVICE, { nats: NatsLifecycle, database: DatabaseLifecycle }),
  ],
  controllers: [
    IncidentEventsConsumer,
    PeopleController,
    SchedulesController,
    PoliciesController,
    PagingController,
  ],
  providers: [
    Clock,
    IncidentEventsService,
    PeopleService,
    CompiledSchedules,
    DirectoryService,
    SchedulesService,
    PoliciesService,
    ChannelsService,
    ActionLinks,
    PagingService,
    DeliveryService,
    ActionsService,
    NotificationsQuery,
    ServicePolicies,
  ],
})
export class AppModule {}
