#!/usr/bin/env node
// Compiles every app and library with one TypeScript program into dist/, then writes
// dist/node_modules/@tocsin/<lib> so that `node dist/apps/<app>/src/main.js` resolves the
// workspace aliases with plain Node resolution (no loader flags, same in Docker).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');

try {
  execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], {
    stdio: 'inherit',
    cwd: root,
  });
} catch {
  process.stderr.write('build failed: TypeScript reported the errors above\n');
  process.exit(1);
}

for (const lib of readdirSync(join(root, 'libs'))) {
  const compiled = join(root, 'dist/libs', lib, 'src/index.js');
  if (!existsSync(compiled)) continue;
  const dir = join(root, 'dist/node_modules/@tocsin', lib);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: `@tocsin/${lib}`, main: 'index.js' }) + '\n',
  );
  writeFileSync(join(dir, 'index.js'), `module.exports = require('../../../libs/${lib}/src/index.js');\n`);
}

// The api's OpenAPI document, from the controllers' types (served at /openapi.json and /docs).
const { buildOpenApi } = require('./openapi.cjs');
writeFileSync(join(root, 'dist/apps/api/openapi.json'), JSON.stringify(buildOpenApi(root), null, 2) + '\n');

// The web console (apps/console → dist/console), which the api serves at `/`.
try {
  execFileSync(process.execPath, [join(root, 'tools/build-console.mjs')], { stdio: 'inherit', cwd: root });
} catch {
  process.exit(1);
}
