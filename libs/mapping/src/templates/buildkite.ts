import type { IntegrationTemplate } from './integration-template';

const PIPELINE = {
  id: '849411f9-9e6d-4739-a0d8-e247088e9b52',
  url: 'https://api.buildkite.com/v2/organizations/acme/pipelines/checkout-api',
  web_url: 'https://buildkite.com/acme/checkout-api',
  name: 'Checkout API',
  slug: 'checkout-api',
  repository: 'git@github.com:acme/checkout-api.git',
  default_branch: 'main',
  provider: { id: 'github' },
};

/** A Buildkite build webhook body (build.scheduled, build.running, build.failing, build.finished). */
function webhook(event: string, state: string, number: number, branch = 'main'): Record<string, unknown> {
  return {
    event,
    build: {
      id: `f62a1b4d-10f9-4790-bc1c-e2c3a0c8${String(number).padStart(4, '0')}`,
      url: `https://api.buildkite.com/v2/organizations/acme/pipelines/checkout-api/builds/${number}`,
      web_url: `https://buildkite.com/acme/checkout-api/builds/${number}`,
      number,
      state,
      blocked: false,
      message: 'Retry payment provider calls',
      commit: 'abcd0b72a1e580e90712cdd9eb26d3fb41cd09c8',
      branch,
      tag: null,
      source: 'webhook',
      creator: { id: '3d3c3bf0-7d58-4afe-8fe7-b3017d5504de', name: 'Jane Doe', email: 'jane@example.com' },
      created_at: '2024-05-14T09:00:00.000Z',
      scheduled_at: '2024-05-14T09:00:00.000Z',
      started_at: '2024-05-14T09:00:05.000Z',
      finished_at: state === 'running' || state === 'failing' ? null : '2024-05-14T09:06:12.000Z',
      meta_data: {},
      pull_request: null,
    },
    pipeline: PIPELINE,
    sender: { id: '8a7693f8-dbae-4783-9137-84090fce9045', name: 'Jane Doe' },
  };
}

/** The shape Callgoose's Buildkite guide filters on: an `event` object with `id` and `status`. */
function callgoose(status: string): Record<string, unknown> {
  return {
    event: {
      id: 'bk-nightly-e2e',
      status,
      title: 'Nightly end-to-end suite',
      pipeline: 'nightly-e2e',
      url: 'https://buildkite.com/acme/nightly-e2e/builds/311',
    },
  };
}

const headers = (event: string): Record<string, string> => ({ 'X-Buildkite-Event': event });

/**
 * Buildkite, in both shapes one integration may receive: the build webhook (`build.state`) and the
 * Callgoose-style body (`event.status`, `event.id`). The rules of each shape look at a field the other
 * does not have, so they never collide. The webhook's key is the pipeline and branch, so the passing
 * build of a fix closes the failure before it; the Callgoose body names its own key.
 */
export const BUILDKITE_TEMPLATE: IntegrationTemplate = {
  name: 'buildkite',
  title: 'Buildkite',
  description:
    'Failing and failed Buildkite builds open an incident per pipeline and branch; a passing build closes ' +
    'it and a running one is noted on it. Add a webhook notification service with the build.running, ' +
    "build.failing and build.finished events. Bodies shaped like Callgoose's Buildkite guide " +
    '(event.status FAILED/ERROR, PASSED/FIXED, keyed by event.id) work too.',
  docsUrl: 'https://buildkite.com/docs/apis/webhooks/build-events',
  mapping: {
    rules: [
      { name: 'failing or failed builds', field: 'build.state', in: ['failing', 'failed'], action: 'open' },
      { name: 'passed builds', field: 'build.state', equals: 'passed', action: 'close' },
      { name: 'running builds', field: 'build.state', equals: 'running', action: 'update' },
      {
        name: 'scheduled, blocked, canceled or skipped builds',
        field: 'build.state',
        exists: true,
        action: 'ignore',
      },
      { name: 'failed events', field: 'event.status', in: ['FAILED', 'ERROR'], action: 'open' },
      { name: 'passed or fixed events', field: 'event.status', in: ['PASSED', 'FIXED'], action: 'close' },
    ],
    dedupKey: 'buildkite:{{pipeline.slug|"event"}}:{{build.branch|event.id}}',
    title: 'Buildkite: {{pipeline.name|event.title}} {{build.branch}}',
    description: null,
    service: '{{pipeline.slug|event.pipeline}}',
  },
  sample: webhook('build.finished', 'failed', 1042),
  scenario: [
    {
      description: 'a build starts while nothing is open: nothing to update',
      headers: headers('build.running'),
      payload: webhook('build.running', 'running', 1042),
      expect: ['ignored'],
    },
    {
      description: 'a job fails while the build still runs',
      headers: headers('build.failing'),
      payload: webhook('build.failing', 'failing', 1042),
      expect: ['opened'],
    },
    {
      description: 'the build finishes failed',
      headers: headers('build.finished'),
      payload: webhook('build.finished', 'failed', 1042),
      expect: ['appended'],
    },
    {
      description: 'a build of the fix starts',
      headers: headers('build.running'),
      payload: webhook('build.running', 'running', 1043),
      expect: ['updated'],
    },
    {
      description: 'the fix passes',
      headers: headers('build.finished'),
      payload: webhook('build.finished', 'passed', 1043),
      expect: ['closed'],
    },
    {
      description: 'a canceled build changes nothing',
      headers: headers('build.finished'),
      payload: webhook('build.finished', 'canceled', 1044),
      expect: ['ignored'],
    },
    { description: 'a Callgoose-style failure', payload: callgoose('FAILED'), expect: ['opened'] },
    { description: 'the same failure again', payload: callgoose('ERROR'), expect: ['appended'] },
    { description: 'fixed', payload: callgoose('FIXED'), expect: ['closed'] },
  ],
};
