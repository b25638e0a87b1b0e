import type { IntegrationTemplate } from './integration-template';

const PROJECT = {
  id: 30,
  name: 'checkout-api',
  description: '',
  web_url: 'https://gitlab.example.com/acme/checkout-api',
  avatar_url: null,
  git_ssh_url: 'git@gitlab.example.com:acme/checkout-api.git',
  git_http_url: 'https://gitlab.example.com/acme/checkout-api.git',
  namespace: 'acme',
  visibility_level: 0,
  path_with_namespace: 'acme/checkout-api',
  default_branch: 'main',
};

const USER = {
  id: 1,
  name: 'Jane Doe',
  username: 'jane',
  avatar_url: 'https://www.gravatar.com/avatar/e64c7d89f26bd1972efa854d13d7dd61?s=80&d=identicon',
  email: 'jane@example.com',
};

/** A GitLab "Pipeline Hook" body. */
function pipeline(id: number, status: string): Record<string, unknown> {
  return {
    object_kind: 'pipeline',
    object_attributes: {
      id,
      iid: id - 300,
      name: 'Pipeline for branch: main',
      ref: 'main',
      tag: false,
      sha: 'bcbb5ec396a2c0f828686f14fac9b80b780504f2',
      before_sha: 'bcbb5ec396a2c0f828686f14fac9b80b780504f2',
      source: 'push',
      status,
      stages: ['build', 'test', 'deploy'],
      created_at: '2024-05-14 09:00:00 UTC',
      finished_at: status === 'running' ? null : '2024-05-14 09:06:12 UTC',
      duration: status === 'running' ? null : 372,
      variables: [],
      url: `https://gitlab.example.com/acme/checkout-api/-/pipelines/${id}`,
    },
    merge_request: null,
    user: USER,
    project: PROJECT,
    commit: {
      id: 'bcbb5ec396a2c0f828686f14fac9b80b780504f2',
      message: 'Retry payment provider calls\n',
      timestamp: '2024-05-14T09:59:21+02:00',
      url: 'https://gitlab.example.com/acme/checkout-api/-/commit/bcbb5ec396a2c0f828686f14fac9b80b780504f2',
      author: { name: 'Jane Doe', email: 'jane@example.com' },
    },
    builds: [
      {
        id: id * 10,
        stage: 'test',
        name: 'unit-tests',
        status: status === 'failed' ? 'failed' : status,
        failure_reason: status === 'failed' ? 'script_failure' : null,
        when: 'on_success',
        manual: false,
        allow_failure: false,
        environment: null,
      },
    ],
  };
}

/** A GitLab "Deployment Hook" body. */
function deployment(id: number, status: string): Record<string, unknown> {
  return {
    object_kind: 'deployment',
    status,
    status_changed_at: '2024-05-14 09:20:00 +0200',
    deployment_id: id,
    deployable_id: 796,
    deployable_url: 'https://gitlab.example.com/acme/checkout-api/-/jobs/796',
    environment: 'production',
    environment_tier: 'production',
    environment_slug: 'production',
    environment_external_url: 'https://checkout.example.com',
    project: PROJECT,
    short_sha: '279484c0',
    user: USER,
    user_url: 'https://gitlab.example.com/jane',
    commit_url:
      'https://gitlab.example.com/acme/checkout-api/-/commit/279484c09fbe69ededfced8c1bb6e6d24616b468',
    commit_title: 'Retry payment provider calls',
  };
}

const PIPELINE_HOOK = { 'X-Gitlab-Event': 'Pipeline Hook' };
const DEPLOYMENT_HOOK = { 'X-Gitlab-Event': 'Deployment Hook' };

/**
 * GitLab pipeline and deployment hooks. Pipelines are keyed on project and ref (the branch or tag),
 * deployments on project and environment: the next green pipeline of the branch, or the next
 * successful deployment to the environment, closes the failure before it. Other hooks (push, merge
 * request, job) are filtered out.
 */
export const GITLAB_TEMPLATE: IntegrationTemplate = {
  name: 'gitlab',
  title: 'GitLab',
  description:
    'Failed pipelines open an incident per project and branch, failed deployments one per project and ' +
    'environment; a success closes it and a running pipeline or deployment is noted on it. Add a project ' +
    'or group webhook with "Pipeline events" and "Deployment events".',
  docsUrl: 'https://docs.gitlab.com/user/project/integrations/webhook_events/',
  mapping: {
    filters: [{ field: 'object_kind', in: ['pipeline', 'deployment'] }],
    rules: [
      { name: 'failed pipelines', field: 'object_attributes.status', equals: 'failed', action: 'open' },
      { name: 'successful pipelines', field: 'object_attributes.status', equals: 'success', action: 'close' },
      { name: 'running pipelines', field: 'object_attributes.status', equals: 'running', action: 'update' },
      { name: 'other pipeline states', field: 'object_attributes.status', exists: true, action: 'ignore' },
      { name: 'failed deployments', field: 'status', equals: 'failed', action: 'open' },
      { name: 'successful deployments', field: 'status', equals: 'success', action: 'close' },
      { name: 'running deployments', field: 'status', equals: 'running', action: 'update' },
      { name: 'canceled deployments', field: 'status', exists: true, action: 'ignore' },
    ],
    dedupKey: 'gitlab:{{project.path_with_namespace}}:{{object_kind}}:{{environment|object_attributes.ref}}',
    title: 'GitLab {{object_kind}} {{environment|object_attributes.ref}} in {{project.path_with_namespace}}',
    description: null,
    service: '{{project.name}}',
  },
  sample: pipeline(312, 'failed'),
  scenario: [
    {
      description: 'a pipeline runs while nothing is open: nothing to update',
      headers: PIPELINE_HOOK,
      payload: pipeline(312, 'running'),
      expect: ['ignored'],
    },
    {
      description: 'the pipeline fails',
      headers: PIPELINE_HOOK,
      payload: pipeline(312, 'failed'),
      expect: ['opened'],
    },
    {
      description: 'a retry fails too',
      headers: PIPELINE_HOOK,
      payload: pipeline(313, 'failed'),
      expect: ['appended'],
    },
    {
      description: 'the fix runs',
      headers: PIPELINE_HOOK,
      payload: pipeline(314, 'running'),
      expect: ['updated'],
    },
    {
      description: 'the fix passes',
      headers: PIPELINE_HOOK,
      payload: pipeline(314, 'success'),
      expect: ['closed'],
    },
    {
      description: 'a deployment to production fails',
      headers: DEPLOYMENT_HOOK,
      payload: deployment(15, 'failed'),
      expect: ['opened'],
    },
    {
      description: 'the next deployment succeeds',
      headers: DEPLOYMENT_HOOK,
      payload: deployment(16, 'success'),
      expect: ['closed'],
    },
  ],
};
