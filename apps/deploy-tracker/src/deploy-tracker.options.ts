import { DeployTrackerSettings } from '@tocsin/config';
import type { ServiceOptions } from '@tocsin/platform';
import { AppModule, SERVICE } from './app.module';

/** How deploy-tracker boots: main.ts runs it, and the integration tests run the very same. */
export const DEPLOY_TRACKER_SERVICE: ServiceOptions = {
  name: SERVICE,
  module: AppModule,
  settings: DeployTrackerSettings,
  transport: true,
  port: (app) => app.get(DeployTrackerSettings).DEPLOY_TRACKER_PORT,
};
