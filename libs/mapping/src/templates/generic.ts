import type { IntegrationTemplate } from './integration-template';

const ACTION_FIELDS = ['event_action', 'status', 'state'];

/**
 * The mapping of an integration created with neither a template nor a mapping: the conventions
 * most monitoring tools share. The action comes from the first of `event_action`, `status`, `state`
 * present, the key from the first of `dedup_key`, `id`, `alias`, `fingerprint`, the title from the
 * first of `title`, `summary`, `message`.
 */
export const GENERIC_TEMPLATE: IntegrationTemplate = {
  name: 'generic',
  title: 'Generic JSON',
  description:
    'Any JSON whose event_action, status or state says what happened (trigger, firing, down, failed… ' +
    'open; resolved, ok, up, success… close; ack acknowledges), keyed on dedup_key, id, alias or ' +
    'fingerprint and titled by title, summary or message.',
  docsUrl: 'libs/mapping/README.md#the-generic-mapping',
  mapping: {
    rules: [
      {
        name: 'problem',
        field: ACTION_FIELDS,
        in: [
          'trigger',
          'triggered',
          'firing',
          'open',
          'problem',
          'alert',
          'down',
          'critical',
          'error',
          'failed',
          'failure',
        ],
        action: 'open',
      },
      {
        name: 'recovery',
        field: ACTION_FIELDS,
        in: ['resolve', 'resolved', 'ok', 'closed', 'recovered', 'up', 'success', 'passed'],
        action: 'close',
      },
      {
        name: 'acknowledgement',
        field: ACTION_FIELDS,
        in: ['acknowledge', 'acknowledged', 'ack'],
        action: 'acknowledge',
      },
    ],
    dedupKey: { field: ['dedup_key', 'id', 'alias', 'fingerprint'] },
    title: { field: ['title', 'summary', 'message'], default: 'Untitled alert' },
    description: null,
    severity: { field: 'severity', map: { warn: 'warning', fatal: 'critical' }, default: 'error' },
    service: { field: ['service', 'source'] },
  },
  sample: {
    status: 'firing',
    id: 'disk-full-db1',
    title: 'Disk 95% full on db1',
    severity: 'critical',
    service: 'checkout-db',
    details: { mount: '/var/lib/postgresql', used_percent: 95 },
  },
  scenario: [
    {
      description: 'a tool reports a problem',
      payload: { status: 'firing', id: 'disk-full-db1', title: 'Disk 95% full on db1', severity: 'critical' },
      expect: ['opened'],
    },
    {
      description: 'and again',
      payload: { status: 'firing', id: 'disk-full-db1', title: 'Disk 97% full on db1', severity: 'critical' },
      expect: ['appended'],
    },
    {
      description: 'someone acknowledges it through another tool',
      payload: { event_action: 'ack', dedup_key: 'disk-full-db1' },
      expect: ['acknowledged'],
    },
    { description: 'it recovers', payload: { state: 'OK', id: 'disk-full-db1' }, expect: ['closed'] },
  ],
};
