import 'reflect-metadata';
import { IncidentStateSettings } from '@tocsin/config';
import { runService } from '@tocsin/platform';
import { AppModule, SERVICE } from './app.module';

void runService({
  name: SERVICE,
  module: AppModule,
  settings: IncidentStateSettings,
  transport: true,
  port: (app) => app.get(IncidentStateSettings).INCIDENT_STATE_PORT,
});
