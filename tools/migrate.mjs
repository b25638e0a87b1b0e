#!/usr/bin/env node
// `npm run migrate`: creates the database if needed and applies every service's pending
// migrations (services also do this at start; this is for operators who migrate first).
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { loadSettings, DatabaseSettings, SCHEMA_BY_APP, SettingsError } = require(
  join(root, 'dist/libs/config/src/index.js'),
);
const { openDataSource } = require(join(root, 'dist/libs/persistence/src/index.js'));

try {
  const settings = loadSettings(DatabaseSettings);
  for (const [app, schema] of Object.entries(SCHEMA_BY_APP)) {
    const { MIGRATIONS } = require(join(root, 'dist/apps', app, 'src/migrations/index.js'));
    const dataSource = await openDataSource(settings.DATABASE_URL, {
      schema,
      entities: [],
      migrations: MIGRATIONS,
    });
    await dataSource.destroy();
    process.stdout.write(`${app}: schema "${schema}" is up to date\n`);
  }
} catch (error) {
  process.stderr.write(
    `migrate: ${error instanceof SettingsError ? error.message : (error?.message ?? error)}\n`,
  );
  process.exit(1);
}
