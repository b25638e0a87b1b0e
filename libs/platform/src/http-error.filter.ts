import { Catch, HttpException, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { randomUUID } from 'node:crypto';

/** The body of every HTTP error Tocsin answers. */
export interface HttpErrorBody {
  error: string;
  message: string;
  details?: string[];
  errorId?: string;
}

const CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'unprocessable',
  429: 'rate_limited',
  503: 'unavailable',
};

export function errorBody(status: number, message: string, details?: string[]): HttpErrorBody {
  return {
    error: CODES[status] ?? (status >= 500 ? 'internal' : 'error'),
    message,
    ...(details?.length ? { details } : {}),
  };
}

/**
 * Turns every error at the HTTP edge into a JSON body with a reason. HttpExceptions keep their
 * status and message (and validation details); anything else is a 500 with an errorId that the
 * log line carries too.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger(HttpErrorFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      let body: HttpErrorBody;
      if (
        typeof response === 'object' &&
        response !== null &&
        'error' in response &&
        'message' in response &&
        typeof (response as HttpErrorBody).error === 'string' &&
        typeof (response as HttpErrorBody).message === 'string' &&
        !('statusCode' in response)
      ) {
        body = response as HttpErrorBody;
      } else {
        const message = (response as { message?: unknown }).message;
        const details = Array.isArray(message) ? message.map(String) : undefined;
        body = errorBody(
          status,
          details ? 'the request is invalid' : typeof message === 'string' ? message : exception.message,
          details,
        );
      }
      const headers = (exception as { headers?: Record<string, string> }).headers;
      if (headers) void reply.headers(headers);
      void reply.status(status).send(body);
      return;
    }
    const statusCode = (exception as { statusCode?: unknown }).statusCode;
    if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
      void reply.status(statusCode).send(errorBody(statusCode, (exception as Error).message));
      return;
    }
    const errorId = randomUUID();
    this.logger.error({ err: exception, errorId }, 'unhandled error');
    void reply.status(500).send({ ...errorBody(500, 'internal error'), errorId });
  }
}

/** An HttpException whose body is already an HttpErrorBody, with optional response headers. */
export class HttpError extends HttpException {
  constructor(
    status: number,
    message: string,
    details?: string[],
    readonly headers?: Record<string, string>,
  ) {
    super(errorBody(status, message, details), status);
  }
}
