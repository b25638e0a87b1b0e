import { Global, Module } from '@nestjs/common';
import { ConfigModule, IngestSettings } from '@tocsin/config';
import { MessagingModule, NatsLifecycle } from '@tocsin/messaging';
import { HealthModule, loggingParams } from '@tocsin/platform';
import { LoggerModule } from 'nestjs-pino';
import { Clock } from './clock';
import { AliasIndexService } from './deploys/alias-index.service';
import { DeployStoreService } from './deploys/deploy-store.service';
import { DeploysController } from './deploys/deploys.controller';
import { HookStoreService } from './hooks/hook-store.service';
import { HooksController } from './hooks/hooks.controller';
import { ChangeEventsController } from './pagerduty/change-events.controller';
import { IngestLimitsService } from './limits/ingest-limits.service';
import { PagerDutyController } from './pagerduty/pagerduty.controller';
import { TokenIndexService } from './tokens/token-index.service';

export const SERVICE = 'ingest';

@Global()
@Module({ providers: [TokenIndexService], exports: [TokenIndexService] })
export class TokensModule {}

@Global()
@Module({ providers: [AliasIndexService], exports: [AliasIndexService] })
export class AliasesModule {}

/** No database here: tokens and aliases come from KV indexes, hooks and deploys go to JetStream. */
@Module({
  imports: [
    ConfigModule.forRoot(IngestSettings),
    LoggerModule.forRootAsync({
      inject: [IngestSettings],
      useFactory: (s: IngestSettings) => loggingParams(SERVICE, s, { logRequests: false }),
    }),
    MessagingModule.forRoot(SERVICE, IngestSettings),
    TokensModule,
    AliasesModule,
    HealthModule.forRoot(SERVICE, {
      nats: NatsLifecycle,
      tokens: TokenIndexService,
      aliases: AliasIndexService,
    }),
  ],
  controllers: [HooksController, PagerDutyController, DeploysController, ChangeEventsController],
  providers: [Clock, IngestLimitsService, HookStoreService, DeployStoreService],
})
export class AppModule {}
