export { fallbackDedupKey } from './dedup-key';
export { compileMapping } from './compile';
export { applyMapping } from './apply';
export { MappingError } from './mapping-error';
export { MAPPING_LIMITS } from './mapping.constants';
export type {
  CompiledMapping,
  ElementResult,
  MappedEvent,
  MappingContext,
  MappingDocument,
  MappingOutcome,
  Matcher,
  Rule,
  RuleAction,
  SeveritySpec,
  ValueSpec,
} from './mapping.types';
export { TEMPLATES, findTemplate } from './templates/templates';
export type {
  IntegrationTemplate,
  ScenarioOutcome,
  ScenarioStep,
  TemplateName,
} from './templates/integration-template';
