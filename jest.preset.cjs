// Shared jest settings: TypeScript through SWC (with decorator metadata, which Nest needs),
// the @tocsin/* aliases mapped to library sources, and UTC as the time zone.
const path = require('node:path');

const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];

// NestJS 12 and a few of its dependencies ship ES modules only; jest loads them through SWC too.
const esmPackages = [
  '@nestjs',
  'file-type',
  'uid',
  'strtok3',
  'token-types',
  '@tokenizer',
  'uint8array-extras',
  'cookie',
];

module.exports = function preset(projectDir, overrides = {}) {
  const root = __dirname;
  return {
    displayName: path.relative(root, projectDir) || 'root',
    rootDir: projectDir,
    testEnvironment: 'node',
    transform: { '^.+\\.(t|j|mj)s$': swc },
    transformIgnorePatterns: [`/node_modules/(?!(${esmPackages.join('|')})/)`],
    moduleNameMapper: { '^@tocsin/(.*)$': path.join(root, 'libs/$1/src/index.ts') },
    testMatch: ['<rootDir>/**/*.spec.ts', '<rootDir>/**/*.int-spec.ts'],
    setupFiles: [path.join(root, 'tools/jest/setup.cjs')],
    ...overrides,
  };
};
