#!/usr/bin/env node
// Builds the web console (apps/console) into dist/console, which the api serves at `/`: type-checks
// it with its own strict tsconfig (browser, JSX; apart from the services' build), then bundles it
// with Vite. Skipped when dist/console is newer than every source file of the console.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const app = join(root, 'apps/console');
const built = join(root, 'dist/console/index.html');
const require = createRequire(import.meta.url);

function newest(dir) {
  let latest = 0;
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    const stat = statSync(full);
    latest = Math.max(latest, stat.isDirectory() ? newest(full) : stat.mtimeMs);
  }
  return latest;
}

if (existsSync(built) && statSync(built).mtimeMs > newest(app) && !process.argv.includes('--force')) {
  process.exit(0);
}

try {
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(app, 'tsconfig.json')], {
    stdio: 'inherit',
    cwd: root,
  });
} catch {
  process.stderr.write('console build failed: TypeScript reported the errors above\n');
  process.exit(1);
}

const { build } = await import('vite');
try {
  await build({ configFile: join(app, 'vite.config.mjs'), logLevel: 'warn' });
} catch (error) {
  process.stderr.write(`console build failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
