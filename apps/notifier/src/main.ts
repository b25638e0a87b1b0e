import 'reflect-metadata';
import { NotifierSettings } from '@tocsin/config';
import { runService } from '@tocsin/platform';
import { AppModule, SERVICE } from './app.module';

void runService({
  name: SERVICE,
  module: AppModule,
  settings: NotifierSettings,
  transport: true,
  port: (app) => app.get(NotifierSettings).NOTIFIER_PORT,
});
