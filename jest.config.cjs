// Every project's tests in one run: unit specs beside the code, integration specs against the
// real NATS and PostgreSQL, the deploy manifest checks, and the flow suite over HTTP.
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
