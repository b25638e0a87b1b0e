import 'reflect-metadata';
import { NormalizeSettings } from '@tocsin/config';
import { runService } from '@tocsin/platform';
import { AppModule, SERVICE } from './app.module';

void runService({
  name: SERVICE,
  module: AppModule,
  settings: NormalizeSettings,
  transport: true,
  port: (app) => app.get(NormalizeSettings).NORMALIZE_PORT,
});
