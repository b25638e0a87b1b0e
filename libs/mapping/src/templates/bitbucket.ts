import type { IntegrationTemplate } from './integration-template';

const REPOSITORY = {
  type: 'repository',
  name: 'checkout-api',
  full_name: 'acme/checkout-api',
  uuid: '{5c1a6b2e-3f0d-4a8e-9b7c-2d4e6f8a0b1c}',
  is_private: true,
  links: { html: { href: 'https://bitbucket.org/acme/checkout-api' } },
};

const ACTOR = {
  type: 'user',
  display_name: 'Jane Doe',
  account_id: '557058:0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d',
  uuid: '{a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d}',
};

const COMMIT = '9fec847784abb10b2fa567ee63b85bd238955d0e';

/** A Bitbucket Cloud repo:commit_status_created / repo:commit_status_updated body. */
function status(state: string, description: string): Record<string, unknown> {
  const base = `https://api.bitbucket.org/2.0/repositories/acme/checkout-api/commit/${COMMIT}`;
  return {
    actor: ACTOR,
    repository: REPOSITORY,
    commit_status: {
      type: 'build',
      key: 'ci-unit-tests',
      name: 'Unit tests',
      description,
      state,
      refname: 'main',
      url: 'https://ci.example.com/acme/checkout-api/builds/777',
      created_on: '2024-05-14T09:12:03.547563+00:00',
      updated_on: '2024-05-14T09:18:41.102938+00:00',
      links: { commit: { href: base }, self: { href: `${base}/statuses/build/ci-unit-tests` } },
    },
  };
}

const CREATED = { 'X-Event-Key': 'repo:commit_status_created' };
const UPDATED = { 'X-Event-Key': 'repo:commit_status_updated' };

/**
 * Bitbucket Cloud build statuses. The key is the status key (one per build tool or pipeline step) in
 * its repository, so each check is its own incident. A new run (INPROGRESS) closes the incident as
 * AlertOps' Bitbucket rules do: someone is on it, and a new failure opens a fresh one. STOPPED means
 * the run was stopped by hand, which says nothing about the code: it is ignored, not treated as a
 * failure.
 */
export const BITBUCKET_TEMPLATE: IntegrationTemplate = {
  name: 'bitbucket',
  title: 'Bitbucket',
  description:
    'Failed commit statuses (builds reported to Bitbucket Cloud) open an incident per status key and ' +
    'repository; a successful or new run closes it; stopped runs are ignored. Add a repository webhook ' +
    'with the "Build status created" and "Build status updated" triggers.',
  docsUrl: 'https://support.atlassian.com/bitbucket-cloud/docs/event-payloads/',
  mapping: {
    rules: [
      { name: 'failed builds', field: 'commit_status^state', equals: 'FAILED', action: 'open' },
      {
        name: 'builds passed or running again',
        field: 'commit_status^state',
        in: ['SUCCESSFUL', 'INPROGRESS'],
        action: 'close',
      },
      { name: 'builds stopped by hand', field: 'commit_status^state', equals: 'STOPPED', action: 'ignore' },
    ],
    dedupKey: 'bitbucket:{{repository^full_name}}:{{commit_status^key}}',
    title: '{{commit_status.name|commit_status.key}} is {{commit_status.state}} on {{repository.full_name}}',
    description: null,
    service: '{{repository.name}}',
  },
  sample: status('FAILED', '3 tests failed'),
  scenario: [
    {
      description: 'a run starts while nothing is open: nothing to close',
      headers: CREATED,
      payload: status('INPROGRESS', 'Build started'),
      expect: ['ignored'],
    },
    {
      description: 'the run fails',
      headers: UPDATED,
      payload: status('FAILED', '3 tests failed'),
      expect: ['opened'],
    },
    {
      description: 'the status is reported failed again',
      headers: UPDATED,
      payload: status('FAILED', '2 tests failed'),
      expect: ['appended'],
    },
    {
      description: 'someone stops a run: neither a failure nor a fix',
      headers: UPDATED,
      payload: status('STOPPED', 'Build stopped'),
      expect: ['ignored'],
    },
    {
      description: 'the fixed run passes',
      headers: UPDATED,
      payload: status('SUCCESSFUL', 'All tests passed'),
      expect: ['closed'],
    },
  ],
};
