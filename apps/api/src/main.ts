import 'reflect-metadata';
import { ApiSettings } from '@tocsin/config';
import { formFields, runService } from '@tocsin/platform';
import { join } from 'node:path';
import { AppModule, SERVICE } from './app.module';
import { serveConsole } from './console/console-files';

void runService({
  name: SERVICE,
  module: AppModule,
  settings: ApiSettings,
  transport: false,
  port: (app) => app.get(ApiSettings).API_PORT,
  configure: (app) => {
    // Twilio posts SMS replies as a form; nothing else here takes one.
    app.useBodyParser(
      'application/x-www-form-urlencoded',
      { bodyLimit: 64 * 1024 },
      (_request, body, done) => {
        done(null, formFields(body));
      },
    );
    // The console, built by tools/build.mjs into dist/console (this file is dist/apps/api/src/main.js).
    serveConsole(app.getHttpAdapter().getInstance(), join(__dirname, '../../../console'));
  },
});
