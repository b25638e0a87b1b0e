import type { EventAction, Severity } from '@tocsin/contracts';

/**
 * A mapping as users write it (JSON): how one inbound payload becomes events. See README.md for the
 * language; `compileMapping` validates one and `applyMapping` runs it.
 */
export interface MappingDocument {
  /** Path to an array: one event per element. Without it the payload itself is the one element. */
  each?: string;
  /** Every filter must pass, else the element's outcome is `filtered`. */
  filters?: Matcher[];
  /** Tried in order; the first that matches decides. None matches: `unmapped`. */
  rules: Rule[];
  dedupKey?: ValueSpec;
  /**
   * Alerts with the same group key gather into one incident while it is open (e.g. Alertmanager's
   * `$.groupKey`, a repository, a service). Renders empty or absent: no grouping.
   */
  groupKey?: ValueSpec;
  title?: ValueSpec;
  /** Null or absent: the full JSON of the payload (or of the element under `each`). */
  description?: ValueSpec | null;
  severity?: SeveritySpec;
  service?: ValueSpec;
}

/**
 * A text: either a template (`"{{repository.name}} failed"`; text without holes is literal) or the
 * first present of some fields, with a default.
 */
export type ValueSpec = string | { field: string | string[]; default?: string };

export interface SeveritySpec {
  field: string | string[];
  /** Raw value (compared case-insensitively) to severity. */
  map?: Record<string, Severity>;
  default?: Severity;
}

/** One test on a field. Exactly one of `equals`, `in`, `contains`, `matches`, `exists`. */
export interface Matcher {
  /** A path, or a list of paths of which the first present one counts. */
  field: string | string[];
  equals?: string | number | boolean | null;
  in?: Array<string | number | boolean | null>;
  contains?: string;
  /** A regular expression (RE2 syntax: linear time, no backreferences or lookaround). */
  matches?: string;
  /** Comparisons ignore case unless this is true. */
  caseSensitive?: boolean;
  exists?: boolean;
}

export type RuleAction = EventAction | 'ignore';

export interface Rule extends Matcher {
  action: RuleAction;
  /** Shown in the inbound log next to the rule's position. */
  name?: string;
}

/** A validated mapping, ready for `applyMapping`. */
export interface CompiledMapping {
  /** The document as validated (a copy: later changes to the input do not reach it). */
  readonly document: MappingDocument;
}

export interface MappingContext {
  integrationId: string;
  /** The request headers (lower-case names), which `$headers.<name>` paths read. */
  headers?: Readonly<Record<string, string>>;
}

export type MappingOutcome =
  { kind: 'elements'; elements: ElementResult[] } | { kind: 'invalid'; detail: string };

export type ElementResult =
  | ({ kind: 'event' } & MappedEvent)
  | { kind: 'ignored'; index: number; rule: string; detail: string }
  /** `rule` names the filter that failed, e.g. `filters[0]`. */
  | { kind: 'filtered'; index: number; rule: string; detail: string }
  | { kind: 'unmapped'; index: number; detail: string };

export interface MappedEvent {
  /** The element's position (0 without `each`). */
  index: number;
  action: EventAction;
  dedupKey: string;
  /** True when the mapping named no key and the key is a hash of the integration and the title. */
  dedupKeyFallback: boolean;
  /** The incident group the event joins while its incident is open; null when the mapping names none. */
  groupKey: string | null;
  title: string;
  description: string;
  severity: Severity;
  service: string | null;
  /** Which rule decided, e.g. `rules[0] (open)` or `rules[0] "failed builds" (open)`. */
  rule: string;
}
