import { Module } from '@nestjs/common';
import { ApiSettings, ConfigModule, SCHEMA_BY_APP } from '@tocsin/config';
import { MessagingModule, NatsLifecycle } from '@tocsin/messaging';
import { DatabaseLifecycle, PersistenceModule } from '@tocsin/persistence';
import { HealthModule, loggingParams } from '@tocsin/platform';
import { LoggerModule } from 'nestjs-pino';
import { ApiKey } from './auth/api-key.entity';
import { ApiKeyGuard } from './auth/api-key.guard';
import { RpcGateway } from './gateway/rpc.gateway';
import { IncidentsController } from './incidents/incidents.controller';
import { IntegrationsController } from './integrations/integrations.controller';
import { MIGRATIONS } from './migrations';

export const SERVICE = 'api';

@Module({
  imports: [
    ConfigModule.forRoot(ApiSettings),
    LoggerModule.forRootAsync({
      inject: [ApiSettings],
      useFactory: (s: ApiSettings) => loggingParams(SERVICE, s),
    }),
    MessagingModule.forRoot(SERVICE, ApiSettings),
    PersistenceModule.forRoot(ApiSettings, {
      schema: SCHEMA_BY_APP.api,
      entities: [ApiKey],
      migrations: MIGRATIONS,
    }),
    HealthModule.forRoot(SERVICE, { nats: NatsLifecycle, database: DatabaseLifecycle }),
  ],
  controllers: [IntegrationsController, IncidentsController],
  providers: [ApiKeyGuard, RpcGateway],
})
export class AppModule {}
