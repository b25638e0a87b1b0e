// Flat ESLint config for the Tocsin workspace.
//
// - TypeScript is linted with typescript-eslint's type-checked rules (projectService picks the nearest
//   tsconfig.json: apps/*/tsconfig.json, libs/*/tsconfig.json or the root one).
// - @nx/enforce-module-boundaries needs the Nx project graph; it is computed below (in-process, no daemon)
//   so that a plain `eslint .` always checks against the current graph instead of silently skipping the rule.
// - eslint-config-prettier comes last: formatting belongs to prettier (`prettier --check .`).
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import nx from '@nx/eslint-plugin';
import { createProjectGraphAsync } from '@nx/devkit';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

process.env.NX_DAEMON ??= 'false';
await createProjectGraphAsync({ exitOnError: false });

const APPS = ['api', 'deploy-tracker', 'incident-state', 'ingest', 'normalize', 'notifier'];

/** Which library types each project type may import (production code). */
const ALLOWED_TYPES = {
  'type:app': [
    'type:contracts',
    'type:messaging',
    'type:persistence',
    'type:config',
    'type:platform',
    'type:domain',
  ],
  'type:platform': ['type:contracts', 'type:messaging', 'type:persistence', 'type:config'],
  'type:messaging': ['type:contracts', 'type:config'],
  'type:persistence': ['type:contracts', 'type:config'],
  'type:domain': ['type:contracts'],
  'type:config': [],
  'type:contracts': [],
};
// Test helpers may use whatever an app may.
ALLOWED_TYPES['type:testing'] = ALLOWED_TYPES['type:app'];

/** Pure libraries (wire contracts, mapping) stay framework- and driver-free; config stays driver-free. */
const BANNED_EXTERNALS = {
  'type:contracts': ['@nestjs/*', 'typeorm', '@nats-io/*', 'pg'],
  'type:domain': ['@nestjs/*', 'typeorm', '@nats-io/*', 'pg'],
  'type:config': ['typeorm', '@nats-io/*', 'pg'],
};

/** Files that may use @tocsin/testing (and are allowed test-only dependencies). */
const TEST_FILES = [
  '**/*.spec.ts',
  '**/*.int-spec.ts',
  'apps/*/test/**/*.ts',
  'libs/*/test/**/*.ts',
  'test/**/*.ts',
  'bench/**/*.ts',
];

function depConstraints({ allowTesting }) {
  const typeConstraints = Object.entries(ALLOWED_TYPES).map(([sourceTag, allowed]) => ({
    sourceTag,
    onlyDependOnLibsWithTags:
      allowTesting && sourceTag !== 'type:testing' ? [...allowed, 'type:testing'] : allowed,
    ...(BANNED_EXTERNALS[sourceTag] ? { bannedExternalImports: BANNED_EXTERNALS[sourceTag] } : {}),
  }));
  const scopeConstraints = [
    ...APPS.map((app) => ({
      sourceTag: `scope:${app}`,
      onlyDependOnLibsWithTags: [`scope:${app}`, 'scope:shared'],
    })),
    { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
  ];
  return [...typeConstraints, ...scopeConstraints];
}

const boundaries = (allowTesting) => [
  'error',
  {
    allow: [],
    depConstraints: depConstraints({ allowTesting }),
    // A library's specs may import @tocsin/testing, which itself imports that library: a cycle that exists
    // only through test files (production code cannot import testing, see no-restricted-imports), so paths
    // through testing are ignored for every file. The pairs name the other projects by tag: ['testing', '*']
    // would also match testing -> testing and break the same-project handling inside libs/testing.
    ignoredCircularDependencies: Object.keys(ALLOWED_TYPES)
      .filter((tag) => tag !== 'type:testing')
      .map((tag) => ['testing', `tag:${tag}`]),
  },
];

export default defineConfig(
  {
    ignores: [
      '**/dist/**',
      '**/tmp/**',
      '**/node_modules/**',
      '**/coverage/**',
      '**/.nx/**',
      '**/*.cjs',
      '**/*.mjs',
    ],
  },
  ...nx.configs['flat/base'],
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: {
      reportUnusedDisableDirectives: 'error',
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: false, requireDefaultForNonUnion: false },
      ],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
      // Nest DI reads constructor parameter types from decorator metadata: those imports must stay
      // value imports, so type-only import style is deliberately not enforced.
      '@typescript-eslint/consistent-type-imports': 'off',
      'no-duplicate-imports': ['error', { allowSeparateTypeImports: true }],
      eqeqeq: ['error', 'always'],
      'no-console': 'error',
      '@nx/enforce-module-boundaries': boundaries(false),
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: '@tocsin/testing', message: 'Test helpers are for specs, test/ and bench/ only.' }],
          patterns: [
            { group: ['@tocsin/testing/*'], message: 'Test helpers are for specs, test/ and bench/ only.' },
          ],
        },
      ],
    },
  },
  {
    files: TEST_FILES,
    rules: {
      '@nx/enforce-module-boundaries': boundaries(true),
      'no-restricted-imports': 'off',
      // expect(mock.method).toHaveBeenCalled() passes methods unbound by design.
      '@typescript-eslint/unbound-method': 'off',
      // jest's asymmetric matchers (expect.any, expect.stringMatching) are typed `any`, and rows
      // read back with raw SQL are untyped: both are what a test asserts on.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
    },
  },
  {
    // The testing library is only ever imported by tests; it may use itself and everything it supports.
    files: ['libs/testing/**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': boundaries(true),
      'no-restricted-imports': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    // The web console: browser code with JSX, type-checked against apps/console/tsconfig.json (strict,
    // DOM). It talks to the api over HTTP only, so it imports no workspace library.
    files: ['apps/console/**/*.ts', 'apps/console/**/*.tsx'],
    extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      'no-console': 'error',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@tocsin/*'], message: 'The console uses the public api, not the libraries.' },
          ],
        },
      ],
    },
  },
  {
    files: ['tools/**/*.ts', 'bench/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    // Scripts under tools/ are not part of any tsconfig: lint them without type information.
    files: ['tools/**/*.ts'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  prettier,
);
