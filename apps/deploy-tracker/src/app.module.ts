import { Module } from '@nestjs/common';
import { ConfigModule, DeployTrackerSettings, SCHEMA_BY_APP } from '@tocsin/config';
import { MessagingModule, NatsLifecycle } from '@tocsin/messaging';
import { DatabaseLifecycle, PersistenceModule } from '@tocsin/persistence';
import { HealthModule, loggingParams } from '@tocsin/platform';
import { LoggerModule } from 'nestjs-pino';
import { MIGRATIONS } from './migrations';

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
    PersistenceModule.forRoot(DeployTrackerSettings, {
      schema: SCHEMA_BY_APP['deploy-tracker'],
      entities: [],
      migrations: MIGRATIONS,
    }),
    HealthModule.forRoot(SERVICE, { nats: NatsLifecycle, database: DatabaseLifecycle }),
  ],
})
export class AppModule {}
