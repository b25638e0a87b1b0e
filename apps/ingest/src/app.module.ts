import { Global, Module } from '@nestjs/common';
import { ConfigModule, IngestSettings } from '@tocsin/config';
import { MessagingModule, NatsLifecycle } from '@tocsin/messaging';
import { HealthModule, loggingParams } from '@tocsin/platform';
import { LoggerModule } from 'nestjs-pino';
import { Clock } from './clock';
import { HookStoreService } from './hooks/hook-store.service';
import { HooksController } from './hooks/hooks.controller';
import { PagerDutyController } from './pagerduty/pagerduty.controller';
import { TokenIndexService } from './tokens/token-index.service';

export const SERVICE = 'ingest';

@Global()
@Module({ providers: [TokenIndexService], exports: [TokenIndexService] })
export class TokensModule {}

/** No database here: tokens come from the KV index, hooks go to JetStream. */
@Module({
  imports: [
    ConfigModule.forRoot(IngestSettings),
    LoggerModule.forRootAsync({
      inject: [IngestSettings],
      useFactory: (s: IngestSettings) => loggingParams(SERVICE, s, { logRequests: false }),
    }),
    MessagingModule.forRoot(SERVICE, IngestSettings),
    TokensModule,
    HealthModule.forRoot(SERVICE, { nats: NatsLifecycle, tokens: TokenIndexService }),
  ],
  controllers: [HooksController, PagerDutyController],
  providers: [Clock, HookStoreService],
})
export class AppModule {}
