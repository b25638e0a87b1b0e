// Before any test: NATS (with JetStream) and PostgreSQL must answer. A run never skips silently.
const { checkBackbone } = require('../backbone.cjs');

module.exports = async function globalSetup() {
  const problems = await checkBackbone();
  if (problems.length > 0) {
    throw new Error(`the tests need NATS and PostgreSQL:\n  ${problems.join('\n  ')}`);
  }
};
