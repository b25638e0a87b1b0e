import { Module } from '@nestjs/common';
import { ConfigModule, DeployTrackerSettings } from '@tocsin/config';
import { MessagingModule, NatsLifecycle } from '@tocsin/messaging';
import { DatabaseLifecycle, PersistenceModule } from '@tocsin/persistence';
import { HealthModule, loggingParams } from '@tocsin/platform';
import { LoggerModule } from 'nestjs-pino';
import { SCHEMA } from './schema';

export const SERVICE = 'deploy-tracker';

/** Deploys and the service catalog. The deploy path itself arrives with deploy tracking. */
@Module({
  imports: [
    ConfigModule.forRoot(DeployTrackerSettings),
    LoggerModule.forRootAsync({
      inject: [DeployTrackerSettings],
      useFactory: (s: DeployTrackerSettings) => loggingParams(SERVICE, s),
    }),
    MessagingModule.forRoot(SERVICE, DeployTrackerSettings),
    PersistenceModule.forRoot(DeployTrackerSettings, SCHEMA),
    HealthModule.forRoot(SERVICE, { nats: NatsLifecycle, database: DatabaseLifecycle }),
  ],
})
export class AppModule {}
