import { RE2JS } from 're2js';
import { MAPPING_LIMITS } from './mapping.constants';
import { FieldRef, Resolved, fieldLabel } from './path';
import { isScalar, quote, scalarText } from './text';

export type MatcherTest =
  /** `equals` and `in`: the value's text is one of these (already lower-cased unless case-sensitive). */
  | { kind: 'values'; values: ReadonlySet<string>; matchesNull: boolean }
  | { kind: 'contains'; needle: string }
  | { kind: 'matches'; pattern: RE2JS }
  | { kind: 'exists'; exists: boolean };

export interface CompiledMatcher {
  readonly field: FieldRef;
  readonly test: MatcherTest;
  readonly caseSensitive: boolean;
  /** The matcher in words, e.g. `repository.full_name matches "^acme/"`. */
  readonly description: string;
}

/** Whether a resolved field passes the matcher. Objects and arrays pass only `exists`. */
export function testMatcher(matcher: CompiledMatcher, resolved: Resolved): boolean {
  const value = resolved.value;
  const test = matcher.test;
  switch (test.kind) {
    case 'exists':
      return (value !== undefined && value !== null) === test.exists;
    case 'values': {
      if (value === undefined || value === null) return test.matchesNull;
      if (!isScalar(value)) return false;
      const text = scalarText(value);
      return test.values.has(matcher.caseSensitive ? text : text.toLowerCase());
    }
    case 'contains': {
      if (!isScalar(value)) return false;
      const text = scalarText(value);
      return (matcher.caseSensitive ? text : text.toLowerCase()).includes(test.needle);
    }
    case 'matches': {
      if (!isScalar(value)) return false;
      const text = scalarText(value).slice(0, MAPPING_LIMITS.matchInput);
      return test.pattern.matcher(text).find();
    }
  }
}

type Comparable = string | number | boolean | null;

function show(value: Comparable): string {
  return value === null ? 'null' : typeof value === 'string' ? quote(value) : String(value);
}

/** A matcher in words, for explanations in the inbound log. */
export function describeMatcher(
  field: FieldRef,
  operator:
    | { equals: Comparable }
    | { in: readonly Comparable[] }
    | { contains: string }
    | { matches: string }
    | {
        exists: boolean;
      },
  caseSensitive: boolean,
): string {
  const label = fieldLabel(field);
  let text: string;
  if ('equals' in operator) text = `${label} equals ${show(operator.equals)}`;
  else if ('in' in operator) {
    const shown = operator.in.slice(0, 5).map(show).join(', ');
    text = `${label} is one of [${shown}${operator.in.length > 5 ? ', …' : ''}]`;
  } else if ('contains' in operator) text = `${label} contains ${quote(operator.contains)}`;
  else if ('matches' in operator) text = `${label} matches ${quote(operator.matches)}`;
  else text = operator.exists ? `${label} exists` : `${label} does not exist`;
  return caseSensitive ? `${text} (case-sensitive)` : text;
}
