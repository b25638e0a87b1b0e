import 'reflect-metadata';
import { ApiSettings } from '@tocsin/config';
import { runService } from '@tocsin/platform';
import { AppModule, SERVICE } from './app.module';

void runService({
  name: SERVICE,
  module: AppModule,
  settings: ApiSettings,
  transport: false,
  port: (app) => app.get(ApiSettings).API_PORT,
});
