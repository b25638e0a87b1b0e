import type { IntegrationTemplate } from './integration-template';

const REPOSITORY = {
  id: 1296269,
  node_id: 'MDEwOlJlcG9zaXRvcnkxMjk2MjY5',
  name: 'checkout-api',
  full_name: 'acme/checkout-api',
  private: true,
  owner: { login: 'acme', id: 9919, type: 'Organization' },
  html_url: 'https://github.com/acme/checkout-api',
  default_branch: 'main',
};

const SENDER = { login: 'octocat', id: 583231, type: 'User' };

/** A `workflow_run` webhook body (actions requested, in_progress, completed). */
function run(
  action: 'requested' | 'in_progress' | 'completed',
  conclusion: string | null,
  attempt = 1,
): Record<string, unknown> {
  const id = 30433642;
  return {
    action,
    workflow_run: {
      id,
      name: 'CI',
      node_id: 'WFR_kwLOAAAlBc4BzCZq',
      head_branch: 'main',
      head_sha: 'acb5820ced9479c074f688cc328bf03f341a511d',
      path: '.github/workflows/ci.yml',
      display_title: 'Retry payment provider calls',
      run_number: 562,
      event: 'push',
      status: action === 'completed' ? 'completed' : action === 'requested' ? 'queued' : 'in_progress',
      conclusion,
      workflow_id: 159038,
      check_suite_id: 414944374,
      html_url: `https://github.com/acme/checkout-api/actions/runs/${id}`,
      run_attempt: attempt,
      run_started_at: '2024-05-14T09:00:05Z',
      created_at: '2024-05-14T09:00:00Z',
      updated_at: '2024-05-14T09:06:12Z',
      head_commit: {
        id: 'acb5820ced9479c074f688cc328bf03f341a511d',
        message: 'Retry payment provider calls',
        author: { name: 'Jane Doe', email: 'jane@example.com' },
      },
    },
    workflow: { id: 159038, name: 'CI', path: '.github/workflows/ci.yml', state: 'active' },
    repository: REPOSITORY,
    sender: SENDER,
  };
}

/** A `workflow_job` webhook body (actions queued, in_progress, completed, waiting). */
function job(action: 'in_progress' | 'completed', conclusion: string | null): Record<string, unknown> {
  return {
    action,
    workflow_job: {
      id: 2832853555,
      run_id: 30433642,
      workflow_name: 'CI',
      head_branch: 'main',
      run_url: 'https://api.github.com/repos/acme/checkout-api/actions/runs/30433642',
      run_attempt: 1,
      head_sha: 'acb5820ced9479c074f688cc328bf03f341a511d',
      html_url: 'https://github.com/acme/checkout-api/actions/runs/30433642/job/2832853555',
      status: action,
      conclusion,
      name: 'test',
      labels: ['ubuntu-latest'],
      runner_name: 'GitHub Actions 2',
      created_at: '2024-05-14T09:00:00Z',
      started_at: '2024-05-14T09:00:05Z',
      completed_at: action === 'completed' ? '2024-05-14T09:04:40Z' : null,
      steps: [{ name: 'Run tests', status: action, conclusion, number: 3 }],
    },
    repository: REPOSITORY,
    sender: SENDER,
  };
}

const RUN = { 'X-GitHub-Event': 'workflow_run' };
const JOB = { 'X-GitHub-Event': 'workflow_job' };

/**
 * GitHub Actions `workflow_run` and `workflow_job` webhooks. A run's key is the repository, the
 * workflow and the head branch: the run of a fix (its own run id) closes the failure before it, and
 * a red feature branch stays apart from main. A job's key adds the job's name (a run's key ends in
 * `:run` instead), so one passing job does not close another that fails.
 */
export const GITHUB_ACTIONS_TEMPLATE: IntegrationTemplate = {
  name: 'github-actions',
  title: 'GitHub Actions',
  description:
    'Failed, timed-out or unstartable workflow runs open an incident per repository, workflow and branch; ' +
    'a successful run closes it and a run in progress is noted on it. Add a repository or organization ' +
    'webhook (content type application/json) for "Workflow runs", or for "Workflow jobs" to get one ' +
    'incident per job; subscribing to both raises both.',
  docsUrl: 'https://docs.github.com/en/webhooks/webhook-events-and-payloads#workflow_run',
  mapping: {
    rules: [
      {
        name: 'failed runs',
        field: 'workflow_run.conclusion',
        in: ['failure', 'timed_out', 'startup_failure'],
        action: 'open',
      },
      { name: 'successful runs', field: 'workflow_run.conclusion', equals: 'success', action: 'close' },
      { name: 'runs in progress', field: 'workflow_run.status', equals: 'in_progress', action: 'update' },
      { name: 'other run events', field: 'workflow_run.status', exists: true, action: 'ignore' },
      { name: 'failed jobs', field: 'workflow_job.conclusion', in: ['failure', 'timed_out'], action: 'open' },
      { name: 'successful jobs', field: 'workflow_job.conclusion', equals: 'success', action: 'close' },
      { name: 'jobs in progress', field: 'workflow_job.status', equals: 'in_progress', action: 'update' },
      { name: 'other job events', field: 'workflow_job.status', exists: true, action: 'ignore' },
    ],
    dedupKey:
      'github:{{repository.full_name}}:{{workflow_run.name|workflow_job.workflow_name}}:' +
      '{{workflow_run.head_branch|workflow_job.head_branch}}:{{workflow_job.name|"run"}}',
    title:
      '{{workflow_run.name|workflow_job.workflow_name}} {{workflow_job.name}} on ' +
      '{{workflow_run.head_branch|workflow_job.head_branch}} in {{repository.full_name}}',
    description: null,
    service: '{{repository.name}}',
  },
  sample: run('completed', 'failure'),
  scenario: [
    {
      description: 'a run is requested: nothing open to update',
      headers: RUN,
      payload: run('requested', null),
      expect: ['ignored'],
    },
    { description: 'the run fails', headers: RUN, payload: run('completed', 'failure'), expect: ['opened'] },
    {
      description: 'the re-run fails too',
      headers: RUN,
      payload: run('completed', 'failure', 2),
      expect: ['appended'],
    },
    {
      description: 'another re-run starts',
      headers: RUN,
      payload: run('in_progress', null, 3),
      expect: ['updated'],
    },
    { description: 'it succeeds', headers: RUN, payload: run('completed', 'success', 3), expect: ['closed'] },
    {
      description: 'a cancelled run changes nothing',
      headers: RUN,
      payload: run('completed', 'cancelled', 4),
      expect: ['ignored'],
    },
    { description: 'a job fails', headers: JOB, payload: job('completed', 'failure'), expect: ['opened'] },
    {
      description: 'the job is retried',
      headers: JOB,
      payload: job('in_progress', null),
      expect: ['updated'],
    },
    {
      description: 'the job succeeds',
      headers: JOB,
      payload: job('completed', 'success'),
      expect: ['closed'],
    },
  ],
};
