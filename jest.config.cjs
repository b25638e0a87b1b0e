// Every project's tests in one run: unit specs beside the code, integration specs against the
// real NATS and PostgreSQL, the deploy manifest checks, the flow suite over HTTP, and the fault suite
// (reduced; `npm run chaos` runs it full size) on a NATS and PostgreSQL of its own.
const { readdirSync, existsSync } = require('node:fs');
const { join } = require('node:path');

const projectDirs = ['apps', 'libs']
  .flatMap((group) => readdirSync(join(__dirname, group)).map((name) => join(__dirname, group, name)))
  .filter((dir) => existsSync(join(dir, 'jest.config.cjs')));

module.exports = {
  projects: [
    ...projectDirs,
    join(__dirname, 'deploy'),
    join(__dirname, 'test/flow'),
    join(__dirname, 'test/chaos'),
  ],
  globalSetup: join(__dirname, 'tools/jest/global-setup.cjs'),
  reporters: ['default', join(__dirname, 'tools/jest/summary-reporter.cjs')],
  testTimeout: 30_000,
};
