#!/usr/bin/env node
// `npm start`: everything on one machine. Checks NATS and PostgreSQL, builds, starts the six
// services (each migrates its schema and provisions its streams at start), prints where to send
// webhooks and where the api is, and stops them all cleanly on Ctrl-C.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { checkBackbone } = require('./backbone.cjs');

const APPS = [
  { name: 'normalize', port: 'NORMALIZE_PORT', default: 9101 },
  { name: 'incident-state', port: 'INCIDENT_STATE_PORT', default: 9102 },
  { name: 'deploy-tracker', port: 'DEPLOY_TRACKER_PORT', default: 9103 },
  { name: 'notifier', port: 'NOTIFIER_PORT', default: 9104 },
  { name: 'ingest', port: 'INGEST_PORT', default: 8080 },
  { name: 'api', port: 'API_PORT', default: 8081 },
];

const say = (line) => process.stdout.write(`${line}\n`);

const problems = await checkBackbone();
if (problems.length > 0) {
  process.stderr.write(`Tocsin cannot start:\n  ${problems.join('\n  ')}\n`);
  process.exit(1);
}

say('building…');
if (
  spawnSync(process.execPath, [join(root, 'tools/build.mjs')], { stdio: 'inherit', cwd: root }).status !== 0
)
  process.exit(1);

const env = { ...process.env };
let generatedKeyFile = null;
if (!env.TOCSIN_ADMIN_KEY) {
  // Kept in tmp/ (ignored by git) so that the key stays the same across restarts.
  const keyFile = join(root, 'tmp/admin-key');
  if (!existsSync(keyFile)) {
    mkdirSync(dirname(keyFile), { recursive: true });
    writeFileSync(keyFile, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600 });
  }
  env.TOCSIN_ADMIN_KEY = readFileSync(keyFile, 'utf8').trim();
  generatedKeyFile = keyFile;
}

const children = new Map();
let stopping = false;

function launch(app) {
  const child = spawn(process.execPath, [join(root, 'dist/apps', app.name, 'src/main.js')], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const label = `[${app.name}]`.padEnd(17);
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => process.stdout.write(`${label}${line}\n`));
  }
  child.on('exit', (code, signal) => {
    children.delete(app.name);
    if (!stopping) {
      process.stderr.write(
        `${app.name} stopped unexpectedly (${signal ?? `exit ${code}`}); stopping the others\n`,
      );
      void shutdown(1);
    } else if (children.size === 0) {
      say('all services stopped');
      process.exit(process.exitCode ?? 0);
    }
  });
  children.set(app.name, child);
}

async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  process.exitCode = code;
  say('stopping: each service finishes what it holds, then exits…');
  for (const child of children.values()) child.kill('SIGTERM');
  setTimeout(() => {
    for (const child of children.values()) child.kill('SIGKILL');
    process.exit(code || 1);
  }, 35_000).unref();
  if (children.size === 0) process.exit(code);
}

process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

async function ready(port, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !stopping) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(1_000) });
      if (r.status === 200) return true;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

// The services that own a schema first, so the api finds them answering.
for (const app of APPS) launch(app);
const results = await Promise.all(APPS.map((app) => ready(Number(env[app.port] ?? app.default))));
if (stopping) process.exit(process.exitCode ?? 1);
if (results.some((ok) => !ok)) {
  process.stderr.write('some services did not become ready; see their logs above\n');
  await shutdown(1);
} else {
  const publicUrl = env.TOCSIN_PUBLIC_URL ?? `http://127.0.0.1:${env.INGEST_PORT ?? 8080}`;
  const apiUrl = env.TOCSIN_API_URL ?? `http://127.0.0.1:${env.API_PORT ?? 8081}`;
  say('');
  say('Tocsin is running.');
  say(`  producers send webhooks to  ${publicUrl}/hooks/<token>`);
  say(`  the api is at               ${apiUrl}/v1`);
  say(`  the console is at           ${apiUrl}/`);
  say(`  the api reference is at     ${apiUrl}/docs`);
  if (generatedKeyFile)
    say(`  admin api key               ${env.TOCSIN_ADMIN_KEY}   (kept in ${generatedKeyFile})`);
  say(
    `  create an integration:      curl -s -X POST ${apiUrl}/v1/integrations -H "Authorization: Bearer $KEY" -H 'content-type: application/json' -d '{"name":"my-ci","kind":"alert"}'`,
  );
  say('Press Ctrl-C to stop.');
  say('');
}
