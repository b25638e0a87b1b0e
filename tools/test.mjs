#!/usr/bin/env node
// `npm test`: checks that NATS and PostgreSQL answer, builds the services (the flow suite runs
// them as processes), then runs every jest project. Extra arguments go to jest.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { checkBackbone } = require('./backbone.cjs');

const problems = await checkBackbone();
if (problems.length > 0) {
  process.stderr.write(
    `npm test needs NATS and PostgreSQL:\n  ${problems.join('\n  ')}\n0 passed, 1 failed\n`,
  );
  process.exit(1);
}

const build = spawnSync(process.execPath, [join(root, 'tools/build.mjs')], { stdio: 'inherit', cwd: root });
if (build.status !== 0) {
  process.stdout.write('\n0 passed, 1 failed\n');
  process.exit(1);
}

const jest = require.resolve('jest/bin/jest');
const run = spawnSync(
  process.execPath,
  [jest, '-c', join(root, 'jest.config.cjs'), '--ci', ...process.argv.slice(2)],
  {
    stdio: 'inherit',
    cwd: root,
    env: { ...process.env, TZ: 'UTC' },
  },
);
process.exit(run.status ?? 1);
