import type { IntegrationTemplate } from './integration-template';

interface AlertSpec {
  status: 'firing' | 'resolved';
  zone: string;
  fingerprint: string;
}

function alert({ status, zone, fingerprint }: AlertSpec): Record<string, unknown> {
  return {
    status,
    labels: {
      alertname: 'High memory usage',
      service: 'checkout-api',
      team: 'payments',
      zone,
      severity: 'critical',
    },
    annotations: {
      description: 'The checkout API uses more than 90% of its memory',
      runbook_url: 'https://runbooks.example.com/checkout-api/memory',
      summary: `High memory usage in zone ${zone}`,
    },
    startsAt: '2024-05-14T09:51:03.157076+02:00',
    endsAt: status === 'resolved' ? '2024-05-14T10:11:03.157076+02:00' : '0001-01-01T00:00:00Z',
    generatorURL: 'https://grafana.example.com/alerting/grafana/1afz29v7z/view',
    fingerprint,
    silenceURL: `https://grafana.example.com/alerting/silence/new?matcher=alertname%3DHigh+memory+usage&matcher=zone%3D${zone}`,
    dashboardURL: 'https://grafana.example.com/d/checkout',
    panelURL: 'https://grafana.example.com/d/checkout?viewPanel=4',
    values: { B: status === 'firing' ? 93.4 : 61.2, C: status === 'firing' ? 1 : 0 },
  };
}

/** A Grafana unified alerting webhook body: Alertmanager's shape plus Grafana's own fields. */
function notification(...alerts: AlertSpec[]): Record<string, unknown> {
  const firing = alerts.filter((a) => a.status === 'firing').length;
  const resolved = alerts.length - firing;
  return {
    receiver: 'tocsin',
    status: firing > 0 ? 'firing' : 'resolved',
    orgId: 1,
    alerts: alerts.map(alert),
    groupLabels: { alertname: 'High memory usage' },
    commonLabels: {
      alertname: 'High memory usage',
      service: 'checkout-api',
      team: 'payments',
      severity: 'critical',
    },
    commonAnnotations: {},
    externalURL: 'https://grafana.example.com/',
    version: '1',
    groupKey: '{}:{alertname="High memory usage"}',
    truncatedAlerts: 0,
    title: `[${firing > 0 ? `FIRING:${firing}` : 'RESOLVED'}${firing > 0 && resolved > 0 ? `, RESOLVED:${resolved}` : ''}] High memory usage`,
    state: firing > 0 ? 'alerting' : 'ok',
    message: 'High memory usage on the checkout API',
  };
}

const EU = { zone: 'eu-1', fingerprint: 'c6eadffa33fcdf37' };
const US = { zone: 'us-1', fingerprint: 'bc97ff14869b13e3' };

/**
 * Grafana alerting's webhook contact point. Like Alertmanager it sends a group of alerts at once:
 * `each` makes every alert its own event, keyed on its fingerprint (its labels when absent).
 */
export const GRAFANA_TEMPLATE: IntegrationTemplate = {
  name: 'grafana',
  title: 'Grafana alerting',
  description:
    'Each alert of a Grafana notification is its own incident, keyed on its fingerprint: firing opens it ' +
    '(or adds to it), resolved closes it. Add a Webhook contact point whose URL is the integration URL.',
  docsUrl:
    'https://grafana.com/docs/grafana/latest/alerting/configure-notifications/manage-contact-points/integrations/webhook-notifier/',
  mapping: {
    each: 'alerts',
    rules: [
      { name: 'firing alerts', field: 'status', equals: 'firing', action: 'open' },
      { name: 'resolved alerts', field: 'status', equals: 'resolved', action: 'close' },
    ],
    dedupKey: 'grafana:{{fingerprint|labels}}',
    title: '{{annotations.summary|labels.alertname}}',
    description: null,
    severity: {
      field: 'labels.severity',
      map: { high: 'critical', warn: 'warning', low: 'info', none: 'info' },
      default: 'error',
    },
    service: '{{labels.service}}',
  },
  sample: notification({ status: 'firing', ...EU }, { status: 'firing', ...US }),
  scenario: [
    {
      description: 'two alerts fire',
      payload: notification({ status: 'firing', ...EU }, { status: 'firing', ...US }),
      expect: ['opened', 'opened'],
    },
    {
      description: 'one resolves, the other still fires',
      payload: notification({ status: 'resolved', ...EU }, { status: 'firing', ...US }),
      expect: ['closed', 'appended'],
    },
    {
      description: 'the other resolves',
      payload: notification({ status: 'resolved', ...US }),
      expect: ['closed'],
    },
    {
      description: 'the first fires again: a new incident',
      payload: notification({ status: 'firing', ...EU }),
      expect: ['opened'],
    },
  ],
};
