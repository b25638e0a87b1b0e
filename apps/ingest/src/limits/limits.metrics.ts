import { Counter, Gauge, register } from 'prom-client';

function once<T>(name: string, make: () => T): T {
  return (register.getSingleMetric(name) as T | undefined) ?? make();
}

export const rateLimited = once(
  'tocsin_ingest_rate_limited_total',
  () =>
    new Counter({
      name: 'tocsin_ingest_rate_limited_total',
      help: 'Requests refused with 429, by route and by the bucket that refused them',
      labelNames: ['route', 'bucket'] as const,
    }),
);

export const admittedOverLimit = once(
  'tocsin_ingest_admitted_over_limit_total',
  () =>
    new Counter({
      name: 'tocsin_ingest_admitted_over_limit_total',
      help: 'Recoveries (resolve, acknowledge) admitted although a rate limit was reached, by route and bucket',
      labelNames: ['route', 'bucket'] as const,
    }),
);

export const publishesRefused = once(
  'tocsin_ingest_publishes_refused_total',
  () =>
    new Counter({
      name: 'tocsin_ingest_publishes_refused_total',
      help: 'Requests answered 503 because INGEST_MAX_PENDING_PUBLISHES publishes were waiting for JetStream',
    }),
);

export const pendingPublishes = once(
  'tocsin_ingest_pending_publishes',
  () =>
    new Gauge({
      name: 'tocsin_ingest_pending_publishes',
      help: 'Publishes of this ingest process waiting for JetStream to acknowledge them',
    }),
);
