import type { BaseSettings } from '@tocsin/config';
import type { FastifyHttpOptions } from 'fastify';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { errorBody } from './http-error.filter';

type Timeouts = Pick<
  BaseSettings,
  'HTTP_REQUEST_TIMEOUT_MS' | 'HTTP_HEADERS_TIMEOUT_MS' | 'HTTP_KEEP_ALIVE_TIMEOUT_MS'
>;

/**
 * How long an HTTP connection may take, so that no client holds one open by sending slowly:
 * - the whole request, headers and body, within HTTP_REQUEST_TIMEOUT_MS (Node's requestTimeout;
 *   Fastify's default, 0, would disable it), its headers within HTTP_HEADERS_TIMEOUT_MS;
 * - idle between requests at most HTTP_KEEP_ALIVE_TIMEOUT_MS.
 * Node checks the first two every `connectionsCheckingInterval`, here a second at most (its
 * default, 30 s, would let a slow request run that much longer). A request out of time is answered
 * 408 with a JSON reason and its connection closed.
 */
export function httpTimeoutOptions(settings: Timeouts): FastifyHttpOptions<Server> {
  const request = settings.HTTP_REQUEST_TIMEOUT_MS;
  const headers = Math.min(settings.HTTP_HEADERS_TIMEOUT_MS, request);
  return {
    requestTimeout: request,
    keepAliveTimeout: settings.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    http: {
      requestTimeout: request,
      headersTimeout: headers,
      connectionsCheckingInterval: Math.min(1_000, Math.floor(headers / 2)),
    },
    clientErrorHandler: (error: Error & { code?: string }, socket: Socket) =>
      answerClientError(error, socket, { request, headers }),
  };
}

/**
 * What a connection gets when its request never became one (out of time, headers too large, not
 * HTTP): the error shape of every other answer, then the connection is closed.
 */
export function answerClientError(
  error: Error & { code?: string },
  socket: Socket,
  timeoutsMs: { request: number; headers: number },
): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  let status: number;
  let text: string;
  let body: object;
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    status = 408;
    text = 'Request Timeout';
    body = {
      error: 'request_timeout',
      message: `the request did not arrive in time (headers within ${timeoutsMs.headers} ms, all of it within ${timeoutsMs.request} ms); send it without pauses`,
    };
  } else if (error.code === 'HPE_HEADER_OVERFLOW') {
    status = 431;
    text = 'Request Header Fields Too Large';
    body = { error: 'headers_too_large', message: 'the request headers are larger than the server accepts' };
  } else {
    status = 400;
    text = 'Bad Request';
    body = errorBody(400, 'the request is not valid HTTP/1.1');
  }
  if (socket.writable) {
    const json = JSON.stringify(body);
    socket.write(
      `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`,
    );
  }
  socket.destroy(error);
}

/** How long a connection closed after an answer keeps reading what its client still sends. */
export const LINGER_MS = 2_000;

/**
 * Closes connections the way a client can read the answer. An answer that ends its connection
 * before the request's body is in (a 413 refusing a body by its declared length, say) goes out
 * with a FIN; closing the socket at once while the client is still sending would make the kernel
 * answer the unread bytes with a reset, which discards the answer on the client's side. So the
 * connection stays open for reading, and what arrives is dropped, until the client closes its side
 * or `lingerMs` have passed.
 */
export function lingerOnClose(server: Server, lingerMs = LINGER_MS): void {
  // Node's server calls destroySoon() once the last answer of a connection is written.
  function linger(this: Socket): void {
    if (this.writable) this.end();
    if (this.destroyed) return;
    // Closed once the answer is out: what is still queued is never cut short.
    const close = (): void => {
      if (this.writableFinished) this.destroy();
      else this.once('finish', () => this.destroy());
    };
    if (this.readableEnded) return close();
    const timer = setTimeout(() => this.destroy(), lingerMs);
    timer.unref();
    this.once('close', () => clearTimeout(timer));
    this.once('end', close);
    this.resume();
  }
  server.on('connection', (socket: Socket) => {
    socket.destroySoon = linger;
  });
}
