import type { BaseSettings } from '@tocsin/config';
import type { Params } from 'nestjs-pino';
import type { IncomingMessage } from 'node:http';

/** Header names whose values are credentials; their values never reach a log line. */
export const SECRET_HEADERS = [
  'authorization',
  'cookie',
  'x-hub-signature',
  'x-hub-signature-256',
  'x-buildkite-signature',
  'x-buildkite-token',
  'x-gitlab-token',
  'x-twilio-signature',
];

/** Paths whose last segment is a token: /hooks/{token}, /deploys/{token}, /ical/{token} (schedule feeds). */
const TOKEN_IN_PATH = /^(\/(?:hooks|deploys|ical)\/)[^/?#]+/;

export function redactPath(url: string | undefined): string | undefined {
  return url?.replace(TOKEN_IN_PATH, '$1[redacted]');
}

/**
 * nestjs-pino parameters: JSON lines, errors under `err`, credentials redacted by path, the
 * token in ingest's URLs replaced, health probes not logged.
 *
 * With `logRequests: false` no request gets a logger of its own either: pino-http's middleware,
 * which makes a child logger and binds it to the request for every request, is not installed, and
 * lines logged while handling a request come from the service's logger, with the ids the line
 * itself carries. ingest runs so because a line per webhook would cost more than the webhook; the
 * consumers (normalize, incident-state, deploy-tracker, notifier) because their only routes are the
 * health probes and metrics, which are not logged anyway, so the middleware did nothing for them.
 * It also entered an AsyncLocalStorage for every request, and once a process has entered one, Node
 * tracks every promise it makes: 1.7–2.5 % of a consumer's busy time in a profile.
 */
export function loggingParams(
  service: string,
  settings: BaseSettings,
  options: { logRequests?: boolean } = {},
): Params {
  return {
    pinoHttp: {
      level: settings.LOG_LEVEL,
      base: { service },
      messageKey: 'msg',
      errorKey: 'err',
      redact: {
        paths: [
          ...SECRET_HEADERS.map((h) => `req.headers["${h}"]`),
          'token',
          '*.token',
          'secret',
          '*.secret',
          'signingSecret',
          '*.signingSecret',
        ],
        censor: '[redacted]',
      },
      serializers: {
        req: (req: IncomingMessage & { id?: unknown }) => ({
          id: req.id,
          method: req.method,
          url: redactPath(req.url),
        }),
      },
      autoLogging:
        options.logRequests === false
          ? false
          : { ignore: (req: IncomingMessage) => /^\/(healthz|readyz|metrics)/.test(req.url ?? '') },
      quietReqLogger: true,
    },
    ...(options.logRequests === false ? { forRoutes: [] } : {}),
  };
}
