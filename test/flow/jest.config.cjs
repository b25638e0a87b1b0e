module.exports = require('../../jest.preset.cjs')(__dirname, {
  displayName: 'flow',
  testMatch: ['<rootDir>/**/*.flow-spec.ts'],
});
