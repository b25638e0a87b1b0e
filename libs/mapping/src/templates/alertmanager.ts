import type { IntegrationTemplate } from './integration-template';

interface AlertSpec {
  status: 'firing' | 'resolved';
  instance: string;
  fingerprint: string;
}

function alert({ status, instance, fingerprint }: AlertSpec): Record<string, unknown> {
  return {
    status,
    labels: {
      alertname: 'HighRequestLatency',
      instance,
      job: 'checkout-api',
      service: 'checkout-api',
      severity: 'page',
    },
    annotations: {
      summary: `High request latency on ${instance}`,
      description: `99th percentile latency on ${instance} has been above 500ms for 10 minutes.`,
    },
    startsAt: '2024-05-14T09:00:00.000Z',
    endsAt: status === 'resolved' ? '2024-05-14T09:25:00.000Z' : '0001-01-01T00:00:00Z',
    generatorURL: 'http://prometheus.example.com:9090/graph?g0.expr=api_latency_p99+%3E+0.5&g0.tab=1',
    fingerprint,
  };
}

/** An Alertmanager webhook_config body, version 4: one group of alerts per message. */
function group(...alerts: AlertSpec[]): Record<string, unknown> {
  const firing = alerts.some((a) => a.status === 'firing');
  return {
    version: '4',
    groupKey: '{}:{alertname="HighRequestLatency"}',
    truncatedAlerts: 0,
    status: firing ? 'firing' : 'resolved',
    receiver: 'tocsin',
    groupLabels: { alertname: 'HighRequestLatency' },
    commonLabels: {
      alertname: 'HighRequestLatency',
      job: 'checkout-api',
      service: 'checkout-api',
      severity: 'page',
    },
    commonAnnotations: {},
    externalURL: 'http://alertmanager.example.com:9093',
    alerts: alerts.map(alert),
  };
}

const API1 = { instance: 'api-1:9100', fingerprint: '1a30ba71cca2921f' };
const API2 = { instance: 'api-2:9100', fingerprint: '7c2e0b4d5f6a8193' };

/**
 * Prometheus Alertmanager's webhook receiver. One message carries a group of alerts, so `each`
 * fans it out: every alert is its own event, keyed on its fingerprint (a hash of its labels; the
 * labels themselves when a sender leaves the fingerprint out). A group where some alerts resolved
 * and others still fire closes only the resolved ones.
 */
export const ALERTMANAGER_TEMPLATE: IntegrationTemplate = {
  name: 'alertmanager',
  title: 'Prometheus Alertmanager',
  description:
    'Each alert of a notification is its own incident, keyed on its fingerprint: firing opens it (or adds ' +
    'to it), resolved closes it. Add a receiver with a webhook_config whose url is the integration URL, ' +
    'with send_resolved: true.',
  docsUrl: 'https://prometheus.io/docs/alerting/latest/configuration/#webhook_config',
  mapping: {
    each: 'alerts',
    rules: [
      { name: 'firing alerts', field: 'status', equals: 'firing', action: 'open' },
      { name: 'resolved alerts', field: 'status', equals: 'resolved', action: 'close' },
    ],
    dedupKey: 'alertmanager:{{fingerprint|labels}}',
    title: '{{annotations.summary|labels.alertname}}',
    description: null,
    severity: {
      field: 'labels.severity',
      map: { page: 'critical', high: 'critical', warn: 'warning', low: 'info', none: 'info' },
      default: 'error',
    },
    service: '{{labels.service|labels.job}}',
  },
  sample: group({ status: 'firing', ...API1 }, { status: 'firing', ...API2 }),
  scenario: [
    {
      description: 'two alerts of a group fire',
      payload: group({ status: 'firing', ...API1 }, { status: 'firing', ...API2 }),
      expect: ['opened', 'opened'],
    },
    {
      description: 'the group is notified again (repeat_interval)',
      payload: group({ status: 'firing', ...API1 }, { status: 'firing', ...API2 }),
      expect: ['appended', 'appended'],
    },
    {
      description: 'one alert resolves while the other still fires: only that one closes',
      payload: group({ status: 'resolved', ...API1 }, { status: 'firing', ...API2 }),
      expect: ['closed', 'appended'],
    },
    {
      description: 'the other resolves',
      payload: group({ status: 'resolved', ...API1 }, { status: 'resolved', ...API2 }),
      expect: ['ignored', 'closed'],
    },
  ],
};
