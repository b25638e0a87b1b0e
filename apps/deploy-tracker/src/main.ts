import 'reflect-metadata';
import { DeployTrackerSettings } from '@tocsin/config';
import { runService } from '@tocsin/platform';
import { AppModule, SERVICE } from './app.module';

void runService({
  name: SERVICE,
  module: AppModule,
  settings: DeployTrackerSettings,
  transport: true,
  port: (app) => app.get(DeployTrackerSettings).DEPLOY_TRACKER_PORT,
});
