import { ALERTMANAGER_TEMPLATE } from './alertmanager';
import { BITBUCKET_TEMPLATE } from './bitbucket';
import { BITRISE_TEMPLATE } from './bitrise';
import { BUILDKITE_TEMPLATE } from './buildkite';
import { FLIC_TEMPLATE } from './flic';
import { GENERIC_TEMPLATE } from './generic';
import { GITHUB_ACTIONS_TEMPLATE } from './github-actions';
import { GITLAB_TEMPLATE } from './gitlab';
import { GRAFANA_TEMPLATE } from './grafana';
import type { IntegrationTemplate } from './integration-template';
import { PAGERDUTY_TEMPLATE } from './pagerduty';

/** The built-in templates, in the order a user picks from. */
export const TEMPLATES: readonly IntegrationTemplate[] = [
  BITRISE_TEMPLATE,
  BITBUCKET_TEMPLATE,
  BUILDKITE_TEMPLATE,
  FLIC_TEMPLATE,
  GITHUB_ACTIONS_TEMPLATE,
  GITLAB_TEMPLATE,
  ALERTMANAGER_TEMPLATE,
  GRAFANA_TEMPLATE,
  PAGERDUTY_TEMPLATE,
  GENERIC_TEMPLATE,
];

/** The template of that name, if there is one. */
export function findTemplate(name: string): IntegrationTemplate | undefined {
  return TEMPLATES.find((t) => t.name === name);
}
