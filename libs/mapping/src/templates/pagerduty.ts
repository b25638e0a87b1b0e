import type { IntegrationTemplate } from './integration-template';

const DEDUP_KEY = 'srv01/mysql-replication';

/** A PagerDuty Events API v2 alert event (POST /v2/enqueue). */
function event(action: 'trigger' | 'acknowledge' | 'resolve'): Record<string, unknown> {
  if (action !== 'trigger') return { routing_key: 'R0UT1NGK3Y', dedup_key: DEDUP_KEY, event_action: action };
  return {
    routing_key: 'R0UT1NGK3Y',
    event_action: 'trigger',
    dedup_key: DEDUP_KEY,
    payload: {
      summary: 'Replication lag on srv01.example.com is 120 s',
      timestamp: '2024-05-14T09:42:58.315+0000',
      source: 'srv01.example.com',
      severity: 'critical',
      component: 'mysql',
      group: 'checkout-db',
      class: 'replication lag',
      custom_details: { 'lag seconds': 120, threshold: 30, replica: 'srv02.example.com' },
    },
    links: [{ href: 'https://monitoring.example.com/srv01', text: 'Replication dashboard' }],
    client: 'Example Monitoring',
    client_url: 'https://monitoring.example.com',
  };
}

/**
 * PagerDuty Events API v2, for tools that already speak it (also accepted on POST /v2/enqueue).
 * The description is the event's custom details, not the whole body, which carries the
 * routing_key: the integration's secret token.
 */
export const PAGERDUTY_TEMPLATE: IntegrationTemplate = {
  name: 'pagerduty',
  title: 'PagerDuty Events API v2',
  description:
    "Alert events as PagerDuty's Events API v2 defines them: trigger opens (or adds to) the incident " +
    'of its dedup_key, acknowledge acknowledges it, resolve closes it. Point the tool at the integration ' +
    'URL, or at /v2/enqueue with the integration token as routing_key.',
  docsUrl: 'https://developer.pagerduty.com/docs/send-alert-event',
  mapping: {
    rules: [
      { name: 'trigger', field: 'event_action', equals: 'trigger', action: 'open' },
      { name: 'acknowledge', field: 'event_action', equals: 'acknowledge', action: 'acknowledge' },
      { name: 'resolve', field: 'event_action', equals: 'resolve', action: 'close' },
    ],
    dedupKey: '{{dedup_key}}',
    title: '{{payload.summary}}',
    description: { field: ['payload.custom_details', 'payload.summary'] },
    severity: { field: 'payload.severity', default: 'error' },
    service: '{{payload.source}}',
  },
  sample: event('trigger'),
  scenario: [
    { description: 'an alert is triggered', payload: event('trigger'), expect: ['opened'] },
    { description: 'triggered again', payload: event('trigger'), expect: ['appended'] },
    { description: 'someone acknowledges it', payload: event('acknowledge'), expect: ['acknowledged'] },
    { description: 'it resolves', payload: event('resolve'), expect: ['closed'] },
    { description: 'a late resolve: nothing open', payload: event('resolve'), expect: ['ignored'] },
  ],
};
