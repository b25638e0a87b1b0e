import { SEVERITIES, Severity } from '@tocsin/contracts';
import { MAPPING_LIMITS } from './mapping.constants';
import { MappingError } from './mapping-error';
import { CompiledMapping, MappingDocument, RuleAction } from './mapping.types';
import { CompiledMatcher, MatcherTest, describeMatcher } from './matcher';
import { FieldPath, FieldRef, parsePath } from './path';
import { compilePattern } from './pattern';
import { Template, parseTemplate } from './template';
import { isScalar, quote, scalarText, truncate } from './text';

/** A text to produce: a template, or the first present of some fields with a default. */
export type ValueProgram =
  { kind: 'template'; template: Template } | { kind: 'field'; field: FieldRef; fallback: string | null };

export interface SeverityProgram {
  field: FieldRef;
  /** Keys lower-cased. */
  map: ReadonlyMap<string, Severity>;
  fallback: Severity | null;
}

export interface CompiledRule {
  matcher: CompiledMatcher;
  action: RuleAction;
  /** `rules[0] (open)` or `rules[0] "failed builds" (open)`. */
  label: string;
}

/** What `applyMapping` runs: a mapping with its paths, templates and patterns parsed once. */
export interface MappingProgram {
  each: FieldPath | null;
  filters: CompiledMatcher[];
  rules: CompiledRule[];
  dedupKey: ValueProgram | null;
  groupKey: ValueProgram | null;
  title: ValueProgram | null;
  description: ValueProgram | null;
  severity: SeverityProgram | null;
  service: ValueProgram | null;
}

const RULE_ACTIONS: readonly RuleAction[] = ['open', 'close', 'acknowledge', 'update', 'ignore'];
const OPERATORS = ['equals', 'in', 'contains', 'matches', 'exists'] as const;
const MATCHER_KEYS = ['field', ...OPERATORS, 'caseSensitive'];
const RULE_KEYS = [...MATCHER_KEYS, 'action', 'name'];
const DOCUMENT_KEYS = [
  'each',
  'filters',
  'rules',
  'dedupKey',
  'groupKey',
  'title',
  'description',
  'severity',
  'service',
];
const VALUE_KEYS = ['field', 'default'];
const SEVERITY_KEYS = ['field', 'map', 'default'];

type Comparable = string | number | boolean | null;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function own(object: Record<string, unknown>, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(object, key) ? object[key] : undefined;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    let previous = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j += 1) {
      const current = row[j];
      row[j] = Math.min(
        current + 1,
        row[j - 1] + 1,
        previous + (a.charAt(i - 1) === b.charAt(j - 1) ? 0 : 1),
      );
      previous = current;
    }
  }
  return row[b.length];
}

function suggestion(key: string, known: readonly string[]): string | null {
  if (key.length > 40) return null;
  let best: string | null = null;
  let bestDistance = 3;
  for (const candidate of known) {
    const d = candidate.toLowerCase() === key.toLowerCase() ? 0 : distance(key, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** Collects every problem of a document, each naming where it is. */
class Validator {
  readonly errors: string[] = [];

  add(at: string, message: string): void {
    this.errors.push(`${at}: ${message}`);
  }

  keys(object: Record<string, unknown>, known: readonly string[], at: string): void {
    for (const key of Object.keys(object)) {
      if (known.includes(key)) continue;
      const where = at === '' ? key : `${at}.${key}`;
      const hint = suggestion(key, known);
      this.errors.push(`${where} is not a known key${hint === null ? '' : `; did you mean ${hint}?`}`);
    }
  }

  path(value: unknown, at: string): FieldPath | null {
    if (typeof value !== 'string') {
      this.add(at, 'must be a path (text such as "alerts" or "data.items")');
      return null;
    }
    const parsed = parsePath(value);
    if (!parsed.ok) {
      this.add(at, parsed.error);
      return null;
    }
    return parsed.value;
  }

  field(value: unknown, at: string): FieldRef | null {
    if (value === undefined) {
      this.add(at, 'is required');
      return null;
    }
    if (typeof value === 'string') {
      const path = this.path(value, at);
      return path === null ? null : { paths: [path] };
    }
    if (!Array.isArray(value) || value.length === 0 || value.length > MAPPING_LIMITS.fieldPaths) {
      this.add(at, `must be a path or a list of 1 to ${MAPPING_LIMITS.fieldPaths} paths`);
      return null;
    }
    const paths = value.map((item, i) => this.path(item, `${at}[${i}]`));
    return paths.every((p): p is FieldPath => p !== null) ? { paths } : null;
  }

  text(value: unknown, at: string, max: number): string | null {
    if (typeof value !== 'string') {
      this.add(at, 'must be text');
      return null;
    }
    if (value.length > max) {
      this.add(at, `is longer than ${max} characters`);
      return null;
    }
    return value;
  }

  comparable(value: unknown, at: string): value is Comparable {
    if (value === null || isScalar(value)) return true;
    this.add(at, 'must be text, a number, true, false or null');
    return false;
  }

  matcher(object: Record<string, unknown>, at: string, known: readonly string[]): CompiledMatcher | null {
    this.keys(object, known, at);
    const field = this.field(own(object, 'field'), `${at}.field`);
    const caseSensitiveValue = own(object, 'caseSensitive');
    let caseSensitive = false;
    if (caseSensitiveValue !== undefined) {
      if (typeof caseSensitiveValue === 'boolean') caseSensitive = caseSensitiveValue;
      else this.add(`${at}.caseSensitive`, 'must be true or false');
    }
    const present = OPERATORS.filter((op) => own(object, op) !== undefined);
    if (present.length !== 1) {
      this.add(
        at,
        present.length === 0
          ? `needs one of ${OPERATORS.join(', ')}`
          : `has ${present.join(' and ')}; use exactly one of ${OPERATORS.join(', ')} (split it in two)`,
      );
      return null;
    }
    const operator = present[0];
    const value = own(object, operator);
    const where = `${at}.${operator}`;
    const fold = (text: string): string => (caseSensitive ? text : text.toLowerCase());
    let test: MatcherTest | null = null;
    let description = '';
    switch (operator) {
      case 'equals':
        if (this.comparable(value, where)) {
          test = {
            kind: 'values',
            values: new Set(value === null ? [] : [fold(scalarText(value))]),
            matchesNull: value === null,
          };
          if (field !== null) description = describeMatcher(field, { equals: value }, caseSensitive);
        }
        break;
      case 'in': {
        if (!Array.isArray(value) || value.length === 0 || value.length > MAPPING_LIMITS.inValues) {
          this.add(where, `must be a list of 1 to ${MAPPING_LIMITS.inValues} values`);
          break;
        }
        const items: unknown[] = value;
        if (!items.every((item, i) => this.comparable(item, `${where}[${i}]`))) break;
        const values = items;
        test = {
          kind: 'values',
          values: new Set(
            values.filter((v): v is string | number | boolean => v !== null).map((v) => fold(scalarText(v))),
          ),
          matchesNull: values.includes(null),
        };
        if (field !== null) description = describeMatcher(field, { in: values }, caseSensitive);
        break;
      }
      case 'contains': {
        const text = this.text(value, where, MAPPING_LIMITS.text);
        if (text === null) break;
        if (text === '') {
          this.add(where, 'must not be empty');
          break;
        }
        test = { kind: 'contains', needle: fold(text) };
        if (field !== null) description = describeMatcher(field, { contains: text }, caseSensitive);
        break;
      }
      case 'matches': {
        if (typeof value !== 'string' || value === '') {
          this.add(where, 'must be a regular expression (non-empty text)');
          break;
        }
        const compiled = compilePattern(value, caseSensitive);
        if (!compiled.ok) {
          this.add(where, compiled.error);
          break;
        }
        test = { kind: 'matches', pattern: compiled.value };
        if (field !== null) description = describeMatcher(field, { matches: value }, caseSensitive);
        break;
      }
      case 'exists':
        if (typeof value !== 'boolean') {
          this.add(where, 'must be true or false');
          break;
        }
        test = { kind: 'exists', exists: value };
        if (field !== null) description = describeMatcher(field, { exists: value }, false);
        break;
    }
    if (field === null || test === null) return null;
    return { field, test, caseSensitive, description };
  }

  value(value: unknown, at: string): ValueProgram | null {
    if (typeof value === 'string') {
      const parsed = parseTemplate(value);
      if (!parsed.ok) {
        this.add(at, parsed.error);
        return null;
      }
      return { kind: 'template', template: parsed.value };
    }
    if (!isObject(value)) {
      this.add(at, 'must be a template (text with {{path}} holes) or {"field": …, "default": …}');
      return null;
    }
    this.keys(value, VALUE_KEYS, at);
    const field = this.field(own(value, 'field'), `${at}.field`);
    const fallbackValue = own(value, 'default');
    const fallback =
      fallbackValue === undefined ? null : this.text(fallbackValue, `${at}.default`, MAPPING_LIMITS.text);
    if (field === null || (fallbackValue !== undefined && fallback === null)) return null;
    return { kind: 'field', field, fallback };
  }

  severityName(value: unknown, at: string): Severity | null {
    if (typeof value === 'string' && (SEVERITIES as readonly string[]).includes(value))
      return value as Severity;
    this.add(
      at,
      `${typeof value === 'string' ? quote(value) : (JSON.stringify(value) ?? String(value))} is not one of ${SEVERITIES.join(', ')}`,
    );
    return null;
  }

  severity(value: unknown, at: string): SeverityProgram | null {
    if (!isObject(value)) {
      this.add(at, 'must be {"field": …, "map": {…}, "default": …}');
      return null;
    }
    this.keys(value, SEVERITY_KEYS, at);
    const field = this.field(own(value, 'field'), `${at}.field`);
    const map = new Map<string, Severity>();
    const mapValue = own(value, 'map');
    let ok = field !== null;
    if (mapValue !== undefined) {
      if (!isObject(mapValue)) {
        this.add(`${at}.map`, 'must be an object of raw value to severity');
        ok = false;
      } else {
        const seen = new Map<string, string>();
        for (const key of Object.keys(mapValue)) {
          const severity = this.severityName(own(mapValue, key), `${at}.map.${key}`);
          const folded = key.trim().toLowerCase();
          const earlier = seen.get(folded);
          if (earlier !== undefined) {
            this.add(`${at}.map`, `${quote(earlier)} and ${quote(key)} are the same key (keys ignore case)`);
            ok = false;
          }
          seen.set(folded, key);
          if (severity === null) ok = false;
          else map.set(folded, severity);
        }
      }
    }
    const fallbackValue = own(value, 'default');
    const fallback = fallbackValue === undefined ? null : this.severityName(fallbackValue, `${at}.default`);
    if (fallbackValue !== undefined && fallback === null) ok = false;
    return ok && field !== null ? { field, map, fallback } : null;
  }

  list(value: unknown, at: string, max: number, min: number): unknown[] | null {
    if (!Array.isArray(value)) {
      this.add(at, 'must be a list');
      return null;
    }
    if (value.length < min || value.length > max) {
      this.add(at, min > 0 ? `must hold 1 to ${max} entries` : `must hold at most ${max} entries`);
      return null;
    }
    const items: unknown[] = value;
    return items;
  }
}

function ruleLabel(index: number, action: RuleAction, name: string | null): string {
  const position = `rules[${index}]`;
  if (name === null || name.trim() === '') return `${position} (${action})`;
  const room = MAPPING_LIMITS.ruleLabel - position.length - action.length - 6;
  return `${position} ${JSON.stringify(truncate(name.trim(), Math.max(room - 10, 1)))} (${action})`;
}

/** Validates a document and parses everything `applyMapping` needs; throws MappingError listing every problem. */
export function compileProgram(document: unknown): MappingProgram {
  const v = new Validator();
  if (!isObject(document)) throw new MappingError(['the mapping must be a JSON object with "rules"']);
  v.keys(document, DOCUMENT_KEYS, '');

  const eachValue = own(document, 'each');
  const each = eachValue === undefined ? null : v.path(eachValue, 'each');

  const filters: CompiledMatcher[] = [];
  const filtersValue = own(document, 'filters');
  if (filtersValue !== undefined) {
    v.list(filtersValue, 'filters', MAPPING_LIMITS.filters, 0)?.forEach((item, i) => {
      if (!isObject(item))
        return v.add(`filters[${i}]`, 'must be an object such as {"field": …, "equals": …}');
      const matcher = v.matcher(item, `filters[${i}]`, MATCHER_KEYS);
      if (matcher !== null) filters.push(matcher);
    });
  }

  const rules: CompiledRule[] = [];
  const rulesValue = own(document, 'rules');
  if (rulesValue === undefined)
    v.add('rules', 'is required: a list of rules such as {"field": …, "equals": …, "action": "open"}');
  else {
    v.list(rulesValue, 'rules', MAPPING_LIMITS.rules, 1)?.forEach((item, i) => {
      const at = `rules[${i}]`;
      if (!isObject(item))
        return v.add(at, 'must be an object such as {"field": …, "equals": …, "action": "open"}');
      const actionValue = own(item, 'action');
      let action: RuleAction | null = null;
      if (actionValue === undefined) v.add(`${at}.action`, `is required: one of ${RULE_ACTIONS.join(', ')}`);
      else if (typeof actionValue === 'string' && (RULE_ACTIONS as readonly string[]).includes(actionValue)) {
        action = actionValue as RuleAction;
      } else {
        v.add(
          `${at}.action`,
          `${typeof actionValue === 'string' ? quote(actionValue) : String(JSON.stringify(actionValue))} is not one of ${RULE_ACTIONS.join(', ')}`,
        );
      }
      const nameValue = own(item, 'name');
      const name = nameValue === undefined ? null : v.text(nameValue, `${at}.name`, MAPPING_LIMITS.ruleLabel);
      const matcher = v.matcher(item, at, RULE_KEYS);
      if (matcher !== null && action !== null)
        rules.push({ matcher, action, label: ruleLabel(i, action, name) });
    });
  }

  const optionalValue = (key: string): ValueProgram | null => {
    const value = own(document, key);
    return value === undefined ? null : v.value(value, key);
  };
  const dedupKey = optionalValue('dedupKey');
  const groupKey = optionalValue('groupKey');
  const title = optionalValue('title');
  const service = optionalValue('service');
  const descriptionValue = own(document, 'description');
  const description =
    descriptionValue === undefined || descriptionValue === null
      ? null
      : v.value(descriptionValue, 'description');
  const severityValue = own(document, 'severity');
  const severity = severityValue === undefined ? null : v.severity(severityValue, 'severity');

  if (v.errors.length > 0) throw new MappingError(v.errors);
  return { each, filters, rules, dedupKey, groupKey, title, description, severity, service };
}

const programs = new WeakMap<CompiledMapping, MappingProgram>();

/**
 * Validates a mapping a user wants to save. Throws MappingError whose `errors` each name where the
 * problem is, e.g. `rules[2].matches: …` or `severity.map.high: "urgent" is not one of …`.
 */
export function compileMapping(document: unknown): CompiledMapping {
  const program = compileProgram(document);
  const compiled: CompiledMapping = { document: structuredClone(document) as MappingDocument };
  programs.set(compiled, program);
  return compiled;
}

/** The program of a compiled mapping (compiling its document again if it was not made by compileMapping). */
export function programOf(mapping: CompiledMapping): MappingProgram {
  let program = programs.get(mapping);
  if (program === undefined) {
    program = compileProgram(mapping.document);
    programs.set(mapping, program);
  }
  return program;
}
