/**
 * Builds an error without capturing its stack trace.
 *
 * For the answers a service gives by design under load, such as ingest's 429 over a rate limit and
 * its 503 while too many publishes wait. The stack of such an error says nothing: the error is an
 * answer, not a fault. Capturing it walks every frame of the request's path through NestJS and
 * Fastify, several times per refused request. A refusal should cost less than an acceptance, or a
 * flood that is being refused takes the time of the requests that are not.
 */
export function withoutStack<E extends Error>(make: () => E): E {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return make();
  } finally {
    Error.stackTraceLimit = limit;
  }
}
