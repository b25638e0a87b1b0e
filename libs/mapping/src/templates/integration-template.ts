import type { MappingDocument } from '../mapping.types';

export type TemplateName =
  | 'bitrise'
  | 'bitbucket'
  | 'buildkite'
  | 'flic'
  | 'github-actions'
  | 'gitlab'
  | 'alertmanager'
  | 'grafana'
  | 'pagerduty'
  | 'generic';

/** What incident-state answers for one event of a scenario step. */
export type ScenarioOutcome = 'opened' | 'appended' | 'closed' | 'acknowledged' | 'updated' | 'ignored';

/** One message of a template's scenario, applied live after the previous steps. */
export interface ScenarioStep {
  description: string;
  payload: unknown;
  /** Headers the producer sends with this message (event type, signature names). */
  headers?: Record<string, string>;
  /**
   * The outcome of each event of the payload, in order, when the steps are applied in sequence
   * starting with no open incidents.
   */
  expect: ScenarioOutcome[];
}

/** A prefilled mapping for one producer, with its documented payload and a scenario to try it. */
export interface IntegrationTemplate {
  name: TemplateName;
  title: string;
  description: string;
  /** The producer's documentation of the payload. */
  docsUrl: string;
  mapping: MappingDocument;
  /** The producer's documented payload, for the dry run. */
  sample: unknown;
  scenario: ScenarioStep[];
}
