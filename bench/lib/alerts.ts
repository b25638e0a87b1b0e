/*
 * The load's bodies: what Prometheus Alertmanager sends to a webhook receiver (a group of alerts,
 * webhook_config version 4), and the same alerts as Prometheus posts them to Alertmanager's own
 * `POST /api/v2/alerts`. `GROUPS` different groups, each of `ALERTS_PER_GROUP` alerts on its own
 * instances, so that neither side sees one repeated document.
 */

export const GROUPS = 100;
export const ALERTS_PER_GROUP = 2;

const STARTS_AT = '2026-11-21T09:00:00.000Z';

function labels(group: number, n: number): Record<string, string> {
  return {
    alertname: 'HighRequestLatency',
    instance: `api-${group}-${n}:9100`,
    job: 'checkout-api',
    service: 'checkout-api',
    severity: 'page',
  };
}

function annotations(group: number, n: number): Record<string, string> {
  return {
    summary: `High request latency on api-${group}-${n}:9100`,
    description: `99th percentile latency on api-${group}-${n}:9100 has been above 500ms for 10 minutes.`,
  };
}

const GENERATOR_URL = 'http://prometheus.example.com:9090/graph?g0.expr=api_latency_p99+%3E+0.5&g0.tab=1';

/** Alertmanager's webhook body for group `group`, of `count` alerts, all firing. */
export function webhookBody(group: number, count = ALERTS_PER_GROUP): string {
  const alerts = Array.from({ length: count }, (_, n) => ({
    status: 'firing',
    labels: labels(group, n),
    annotations: annotations(group, n),
    startsAt: STARTS_AT,
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL: GENERATOR_URL,
    fingerprint: `${group.toString(16).padStart(8, '0')}${n.toString(16).padStart(8, '0')}`,
  }));
  return JSON.stringify({
    receiver: 'tocsin',
    status: 'firing',
    alerts,
    groupLabels: { alertname: 'HighRequestLatency', instance: `api-${group}` },
    commonLabels: {
      alertname: 'HighRequestLatency',
      job: 'checkout-api',
      service: 'checkout-api',
      severity: 'page',
    },
    commonAnnotations: {},
    externalURL: 'http://alertmanager.example.com:9093',
    version: '4',
    groupKey: `{}:{alertname="HighRequestLatency", instance="api-${group}"}`,
    truncatedAlerts: 0,
  });
}

/** The same alerts as Prometheus posts them to Alertmanager (`POST /api/v2/alerts`). */
export function postableAlerts(group: number): string {
  return JSON.stringify(
    Array.from({ length: ALERTS_PER_GROUP }, (_, n) => ({
      labels: labels(group, n),
      annotations: annotations(group, n),
      startsAt: STARTS_AT,
      generatorURL: GENERATOR_URL,
    })),
  );
}
