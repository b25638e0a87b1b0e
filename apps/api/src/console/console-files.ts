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

/** First path segments that belong to the api: never answered with the console's index.html. */
export const API_SEGMENTS = ['v1', 'v2', 'ical', 'healthz', 'readyz', 'metrics', 'openapi.json', 'docs'];

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
 * Serves the console's static files at `/` on GET and HEAD: a file that exists, else for a path
 * without an extension (a client route such as /incidents/<id>) the console's index.html. Paths under
 * the api's own segments (/v1, /ical, /healthz, …) are never shadowed: unknown ones answer the api's
 * JSON 404. When the console was not built, `/` says how to build it.
 */
export function serveConsole(fastify: FastifyInstance, dir: string): { files: number } {
  const files = loadConsoleFiles(dir);
  const index = files.get('/index.html');
  fastify.get('/*', (request, reply) => {
    let path: string;
    try {
      path = decodeURIComponent((request.url.split('?')[0] ?? '/').replace(/\/{2,}/g, '/'));
    } catch {
      return reply.code(400).send(errorBody(400, 'the path is not valid percent-encoding'));
    }
    const first = path.split('/')[1] ?? '';
    if (API_SEGMENTS.includes(first)) {
      return reply.code(404).send(errorBody(404, `Cannot GET ${path}`));
    }
    const file = files.get(path);
    if (file) return send(request, reply, file);
    if (extname(path) !== '') {
      return reply.code(404).send(errorBody(404, `the console has no file ${path}`));
    }
    if (!index) {
      return reply
        .code(503)
        .send(
          errorBody(503, 'the console is not built: run `node tools/build.mjs` (or `npm start`), then reload'),
        );
    }
    return send(request, reply, index);
  });
  return { files: files.size };
}
