import { errorBody } from '@tocsin/platform';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';

/**
 * The console may load only what the api itself serves: no external scripts, styles, fonts or
 * frames; it talks to the api on the same origin.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** The console's own pages (client routes): each answers index.html, and so does any path below it. */
export const CONSOLE_SECTIONS = ['incidents', 'overview', 'integrations', 'deploys', 'services', 'on-call'];

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
};

interface ConsoleFile {
  body: Buffer;
  type: string;
  etag: string;
  /** Names with a content hash (Vite's assets/) never change: cached for a year. */
  immutable: boolean;
}

/** Reads the built console once: a few hundred kilobytes, answered from memory, never from a path. */
export function loadConsoleFiles(dir: string): Map<string, ConsoleFile> {
  const files = new Map<string, ConsoleFile>();
  if (!existsSync(join(dir, 'index.html'))) return files;
  const walk = (current: string): void => {
    for (const name of readdirSync(current)) {
      const full = join(current, name);
      if (statSync(full).isDirectory()) {
        walk(full);
        continue;
      }
      const urlPath = `/${relative(dir, full).split(sep).join('/')}`;
      const body = readFileSync(full);
      files.set(urlPath, {
        body,
        type: TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream',
        etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
        immutable: urlPath.startsWith('/assets/'),
      });
    }
  };
  walk(dir);
  return files;
}

function send(request: FastifyRequest, reply: FastifyReply, file: ConsoleFile): FastifyReply {
  reply
    .header('content-type', file.type)
    .header('etag', file.etag)
    .header('cache-control', file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
    .header('content-security-policy', CONSOLE_CSP)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('x-frame-options', 'DENY');
  if (request.headers['if-none-match'] === file.etag) return reply.code(304).send();
  return reply.code(200).send(file.body);
}

/**
 * Serves the console on GET and HEAD: each built file at its own path, and index.html at `/` and at
 * the console's sections (`/incidents`, `/incidents/<id>`, …). Only those routes are added, so
 * nothing of the api (/v1, /ical, /healthz, …) is shadowed: every other path is the api's as before.
 * When the console was not built, its routes say how to build it.
 */
export function serveConsole(fastify: FastifyInstance, dir: string): { files: number } {
  const files = loadConsoleFiles(dir);
  const index = files.get('/index.html');
  for (const [path, file] of files) {
    if (path !== '/index.html') fastify.get(path, (request, reply) => send(request, reply, file));
  }
  const page = (request: FastifyRequest, reply: FastifyReply): FastifyReply =>
    index
      ? send(request, reply, index)
      : reply
          .code(503)
          .send(
            errorBody(
              503,
              'the console is not built: run `node tools/build.mjs` (or `npm start`), then reload',
            ),
          );
  fastify.get('/', page);
  fastify.get('/index.html', page);
  for (const section of CONSOLE_SECTIONS) {
    fastify.get(`/${section}`, page);
    fastify.get(`/${section}/*`, page);
  }
  return { files: files.size };
}
