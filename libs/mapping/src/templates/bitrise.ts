import type { IntegrationTemplate } from './integration-template';

/** A Bitrise outgoing-webhook body as documented: build_status 0 running, 1 success, 2 failed, 3/4 aborted. */
function build(number: number, status: number, branch = 'main'): Record<string, unknown> {
  return {
    build_slug: `9fb0e4b2c1d3a${number}`,
    build_number: number,
    app_slug: 'a3f7c2e91b0d4e56',
    build_status: status,
    build_triggered_workflow: 'deploy',
    git: { provider: 'github', src_branch: branch, dst_branch: 'main', pull_request_id: 32, tag: null },
  };
}

const TRIGGERED = { 'Bitrise-Event-Type': 'build/triggered' };
const FINISHED = { 'Bitrise-Event-Type': 'build/finished' };

/**
 * Bitrise build webhooks (build/triggered, build/finished).
 *
 * The key is the app, the workflow and the branch (or tag), not the build: each build has its own slug,
 * so a key on the build would never let the green build of a fix close the red one before it. One
 * workflow on one branch is what is broken or healthy; a red feature branch stays apart from main.
 * Aborted builds (3 with failure, 4 with success) are mostly someone pressing abort: they say
 * nothing about the code, so they neither open nor close.
 */
export const BITRISE_TEMPLATE: IntegrationTemplate = {
  name: 'bitrise',
  title: 'Bitrise',
  description:
    'Failed Bitrise builds open an incident per app, workflow and branch; the next successful build of ' +
    'the same workflow and branch closes it, and a build starting meanwhile is noted on it. Add the ' +
    'integration URL as an outgoing webhook of the app, for build events.',
  docsUrl: 'https://devcenter.bitrise.io/api/outgoing-webhooks/',
  mapping: {
    rules: [
      { name: 'failed builds', field: 'build_status', equals: 2, action: 'open' },
      { name: 'successful builds', field: 'build_status', equals: 1, action: 'close' },
      { name: 'builds in progress', field: 'build_status', equals: 0, action: 'update' },
      { name: 'aborted builds', field: 'build_status', in: [3, 4], action: 'ignore' },
    ],
    dedupKey: 'bitrise:{{app_slug}}:{{build_triggered_workflow}}:{{git.src_branch|git.tag}}',
    title: 'Bitrise {{build_triggered_workflow}} on {{git.src_branch|git.tag}}',
    description: null,
    service: '{{app_slug}}',
  },
  sample: build(3, 2),
  scenario: [
    {
      description: 'a build starts while nothing is open: there is nothing to update',
      headers: TRIGGERED,
      payload: build(3, 0),
      expect: ['ignored'],
    },
    { description: 'the build fails', headers: FINISHED, payload: build(3, 2), expect: ['opened'] },
    { description: 'a rebuild fails again', headers: FINISHED, payload: build(4, 2), expect: ['appended'] },
    {
      description: 'the same workflow fails on a feature branch: a separate incident',
      headers: FINISHED,
      payload: build(5, 2, 'feature/login'),
      expect: ['opened'],
    },
    {
      description: 'a build of the fix starts',
      headers: TRIGGERED,
      payload: build(6, 0),
      expect: ['updated'],
    },
    { description: 'the fix builds', headers: FINISHED, payload: build(6, 1), expect: ['closed'] },
    {
      description: 'an aborted build changes nothing',
      headers: FINISHED,
      payload: build(7, 3),
      expect: ['ignored'],
    },
  ],
};
