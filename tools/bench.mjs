#!/usr/bin/env node
// `npm run bench [name…]`: checks NATS and PostgreSQL, builds, type-checks bench/, and runs the
// benchmarks from a private copy of the build (tmp/bench/build-<pid>/), so that a rebuild of dist/
// while they run does not change the code being measured. Benchmarks are not tests: `npm test`
// never runs them.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { checkBackbone } = require('./backbone.cjs');
const ts = require('typescript');

const problems = await checkBackbone();
if (problems.length > 0) {
  process.stderr.write(`the benchmarks need NATS and PostgreSQL:\n  ${problems.join('\n  ')}\n`);
  process.exit(1);
}

const run = (args) => spawnSync(process.execPath, args, { stdio: 'inherit', cwd: root }).status === 0;
if (!run([join(root, 'tools/build.mjs')])) process.exit(1);
if (!run([require.resolve('typescript/bin/tsc'), '-p', join(root, 'bench/tsconfig.json')])) {
  process.stderr.write('bench/ does not type-check: see the errors above\n');
  process.exit(1);
}

// Copies left by runs that were killed.
const work = join(root, 'tmp/bench');
mkdirSync(work, { recursive: true });
for (const name of readdirSync(work)) {
  const pid = /^build-(\d+)$/.exec(name)?.[1];
  if (pid && !alive(Number(pid))) rmSync(join(work, name), { recursive: true, force: true });
}

// The build as it is now; apps and libraries keep their relative layout, and packages from
// node_modules resolve from the workspace root above tmp/.
const snapshot = join(work, `build-${process.pid}`);
cpSync(join(root, 'dist'), snapshot, {
  recursive: true,
  filter: (src) => !src.endsWith('.map') && !src.endsWith('.tsbuildinfo') && src !== join(root, 'dist/bench'),
});

// Each bench file on its own (types were checked above), beside the copied libraries, so that
// `@tocsin/*` resolves to <snapshot>/node_modules/@tocsin/* as it does for the apps.
const source = join(root, 'bench');
const compilerOptions = {
  module: ts.ModuleKind.CommonJS,
  target: ts.ScriptTarget.ES2023,
  esModuleInterop: true,
  experimentalDecorators: true,
  emitDecoratorMetadata: true,
};
for (const entry of readdirSync(source, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
  const file = join(entry.parentPath, entry.name);
  const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), { compilerOptions, fileName: file });
  const target = join(snapshot, 'bench', relative(source, file)).replace(/\.ts$/, '.js');
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, outputText);
}

// Ctrl-C reaches the benchmark too (same process group): it stops its processes, removes its
// installation and exits; this script then removes the copy and exits with the same code.
process.on('SIGINT', () => undefined);
const child = spawn(process.execPath, [join(snapshot, 'bench/main.js'), ...process.argv.slice(2)], {
  stdio: 'inherit',
  cwd: root,
});
process.on('SIGTERM', () => child.kill('SIGTERM'));
child.on('exit', (code, signal) => {
  if (existsSync(snapshot)) rmSync(snapshot, { recursive: true, force: true });
  process.exit(code ?? (signal ? 1 : 0));
});

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}
