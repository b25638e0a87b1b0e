import { Counter, Gauge, Histogram, register } from 'prom-client';

function once<T>(name: string, make: () => T): T {
  return (register.getSingleMetric(name) as T | undefined) ?? make();
}

export const handlerDuration = once(
  'tocsin_handler_duration_seconds',
  () =>
    new Histogram({
      name: 'tocsin_handler_duration_seconds',
      help: 'Time from delivery to settlement of a stream message, by consumer and settlement',
      labelNames: ['consumer', 'settlement'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    }),
);

export const consumerPending = once(
  'tocsin_consumer_pending_messages',
  () =>
    new Gauge({
      name: 'tocsin_consumer_pending_messages',
      help: 'Messages of a durable consumer not yet delivered (its lag)',
      labelNames: ['consumer'] as const,
    }),
);

export const consumerAckPending = once(
  'tocsin_consumer_ack_pending_messages',
  () =>
    new Gauge({
      name: 'tocsin_consumer_ack_pending_messages',
      help: 'Messages of a durable consumer delivered and not yet settled',
      labelNames: ['consumer'] as const,
    }),
);

export const deadLetters = once(
  'tocsin_dead_letters_total',
  () =>
    new Counter({
      name: 'tocsin_dead_letters_total',
      help: 'Messages moved to a dead-letter subject, by consumer',
      labelNames: ['consumer'] as const,
    }),
);

export const publishFailures = once(
  'tocsin_publish_failures_total',
  () =>
    new Counter({
      name: 'tocsin_publish_failures_total',
      help: 'Publishes that JetStream did not acknowledge',
    }),
);

export const unavailableRetries = once(
  'tocsin_handler_unavailable_retries_total',
  () =>
    new Counter({
      name: 'tocsin_handler_unavailable_retries_total',
      help: 'Handler runs repeated in place because the database or JetStream could not be reached, by consumer',
      labelNames: ['consumer'] as const,
    }),
);

export const partitionsHeld = once(
  'tocsin_consumer_partitions_held',
  () =>
    new Gauge({
      name: 'tocsin_consumer_partitions_held',
      help: 'Partitions of a partitioned consumer whose lease this process holds',
      labelNames: ['consumer'] as const,
    }),
);
