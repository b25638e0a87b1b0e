import 'reflect-metadata';
import { IngestSettings } from '@tocsin/config';
import { runService } from '@tocsin/platform';
import { AppModule, SERVICE } from './app.module';

void runService({
  name: SERVICE,
  module: AppModule,
  settings: IngestSettings,
  transport: false,
  rawBodies: true,
  port: (app) => app.get(IngestSettings).INGEST_PORT,
  bodyLimit: (app) => app.get(IngestSettings).INGEST_BODY_LIMIT,
});
