import { IngestSettings } from '@tocsin/config';
import type { ServiceOptions } from '@tocsin/platform';
import { AppModule, SERVICE } from './app.module';

/** How ingest boots: main.ts runs it, and the integration tests run the very same. */
export const INGEST_SERVICE: ServiceOptions = {
  name: SERVICE,
  module: AppModule,
  settings: IngestSettings,
  transport: false,
  // Bodies reach the controllers as raw bytes: signatures cover bytes, and ingest reads every
  // content type itself. The limit (413) holds for every route.
  rawBodies: true,
  // No middleware: ingest binds no logger per request (it logs no line per request either).
  middleware: false,
  port: (app) => app.get(IngestSettings).INGEST_PORT,
  bodyLimit: (app) => app.get(IngestSettings).INGEST_BODY_LIMIT,
};
