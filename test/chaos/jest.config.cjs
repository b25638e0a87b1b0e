// The fault suite: the services as processes on a NATS server and a PostgreSQL cluster of its own,
// killed and restarted under load. `npm test` runs it reduced; `npm run chaos` runs it full size.
module.exports = require('../../jest.preset.cjs')(__dirname, {
  displayName: 'chaos',
  testMatch: ['<rootDir>/**/*.chaos-spec.ts'],
});
