#!/usr/bin/env node
// `npm run chaos`: builds the services, then runs the fault suite (test/chaos) at full size on a
// nats-server and a PostgreSQL cluster of its own. CHAOS_* variables already set win over the
// full-size defaults below; extra arguments go to jest. The report lands in tmp/chaos/report.md.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

const FULL_SIZE = {
  CHAOS_WEBHOOKS: '30000',
  CHAOS_RATE: '30',
  CHAOS_KEYS: '75',
  // Long enough after each fault for a killed replica's messages to come back after ack_wait (30 s).
  CHAOS_GAP_MS: '35000',
  CHAOS_DOWN_MS: '3000',
};

const build = spawnSync(process.execPath, [join(root, 'tools/build.mjs')], { stdio: 'inherit', cwd: root });
if (build.status !== 0) process.exit(1);

const jest = require.resolve('jest/bin/jest');
const run = spawnSync(
  process.execPath,
  [jest, '-c', join(root, 'test/chaos/jest.config.cjs'), '--ci', ...process.argv.slice(2)],
  { stdio: 'inherit', cwd: root, env: { ...FULL_SIZE, ...process.env, TZ: 'UTC' } },
);
process.exit(run.status ?? 1);
