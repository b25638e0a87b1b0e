import { MAPPING_LIMITS } from './mapping.constants';
import { isScalar, kindOf, quote, scalarText } from './text';

type PathSegment = string | number;

/** A parsed field path: `a.b[0].c`, `a^b^c`, `labels["app.kubernetes.io/name"]`, `$.groupKey`. */
export interface FieldPath {
  /** The path as written, for explanations. */
  readonly source: string;
  /** Starts with `$`: resolves against the whole payload, not the element under `each`. */
  readonly root: boolean;
  /** Starts with `$headers.`: reads a request header (the one segment is its lower-case name). */
  readonly headers?: true;
  readonly segments: readonly PathSegment[];
}

/** One or more paths; the first present one counts. */
export interface FieldRef {
  readonly paths: readonly FieldPath[];
}

/** What paths resolve against: the element under `each` (or the payload) and the whole payload. */
export interface Scope {
  readonly element: unknown;
  readonly root: unknown;
  /** The request headers the hook arrived with, by lower-case name. */
  readonly headers?: Readonly<Record<string, string>>;
}

const HEADER_PREFIX = '$headers.';
const HEADER_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]{1,100}$/;

export interface Resolved {
  /** A scalar when one of the paths holds one, else the first object or array found, else undefined. */
  readonly value: unknown;
  /** The path the value came from. */
  readonly path: FieldPath | null;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const ARRAY_INDEX = /^(0|[1-9][0-9]{0,8})$/;
const KEY_END = new Set(['.', '^', '[', ']']);
const FORBIDDEN_KEYS = new Set(['__proto__']);

function fail<T>(error: string): Parsed<T> {
  return { ok: false, error };
}

function parseBracket(source: string, start: number): Parsed<{ segment: PathSegment; end: number }> {
  let i = start + 1;
  const c = source[i];
  if (c !== undefined && c >= '0' && c <= '9') {
    const digits = /^[0-9]+/.exec(source.slice(i, i + 11))?.[0] ?? '';
    if (!ARRAY_INDEX.test(digits)) return fail(`"[${digits}" at position ${start + 1} is not an index`);
    i += digits.length;
    if (source[i] !== ']') return fail(`expected "]" at position ${i + 1}`);
    return { ok: true, value: { segment: Number(digits), end: i + 1 } };
  }
  if (c === '"' || c === "'") {
    let key = '';
    i += 1;
    while (i < source.length && source[i] !== c) {
      if (source[i] === '\\' && i + 1 < source.length) i += 1;
      key += source[i];
      i += 1;
    }
    if (i >= source.length) return fail(`the quoted key at position ${start + 2} has no closing ${c}`);
    i += 1;
    if (source[i] !== ']') return fail(`expected "]" at position ${i + 1}`);
    return { ok: true, value: { segment: key, end: i + 1 } };
  }
  return fail(`expected an index or a quoted key after "[" at position ${start + 1}`);
}

/** Parses a field path. Errors say what is wrong and where, without the field's name. */
export function parsePath(input: string): Parsed<FieldPath> {
  const source = input.trim();
  if (source === '') return fail('the path is empty');
  if (source === '$') return { ok: true, value: { source, root: true, segments: [] } };
  if (source.startsWith(HEADER_PREFIX)) {
    const name = source.slice(HEADER_PREFIX.length).toLowerCase();
    if (!HEADER_NAME.test(name)) return fail(`${quote(name)} is not a header name`);
    return { ok: true, value: { source, root: false, headers: true, segments: [name] } };
  }
  let i = 0;
  let root = false;
  if (source.startsWith('$.') || source.startsWith('$^')) {
    root = true;
    i = 2;
  } else if (source.startsWith('$[')) {
    root = true;
    i = 1;
  }
  const segments: PathSegment[] = [];
  let after: 'start' | 'key' | 'bracket' | 'separator' = root && i === 2 ? 'separator' : 'start';
  while (i < source.length) {
    const c = source.charAt(i);
    if (c === '[') {
      if (after === 'separator')
        return fail(`expected a key after "${source.charAt(i - 1)}" at position ${i}`);
      const bracket = parseBracket(source, i);
      if (!bracket.ok) return bracket;
      segments.push(bracket.value.segment);
      i = bracket.value.end;
      after = 'bracket';
    } else if (c === '.' || c === '^') {
      if (after === 'start') return fail(`the path starts with "${c}"`);
      if (after === 'separator') return fail(`empty key before "${c}" at position ${i + 1}`);
      i += 1;
      after = 'separator';
    } else if (c === ']') {
      return fail(`unexpected "]" at position ${i + 1}`);
    } else {
      if (after === 'bracket') return fail(`expected ".", "^" or "[" at position ${i + 1}`);
      let end = i;
      while (end < source.length && !KEY_END.has(source.charAt(end))) end += 1;
      segments.push(source.slice(i, end));
      i = end;
      after = 'key';
    }
    if (segments.length > MAPPING_LIMITS.pathSegments) {
      return fail(`the path has more than ${MAPPING_LIMITS.pathSegments} segments`);
    }
  }
  if (after === 'separator') return fail(`the path ends with "${source.charAt(source.length - 1)}"`);
  const forbidden = segments.find((s) => typeof s === 'string' && FORBIDDEN_KEYS.has(s));
  if (forbidden !== undefined) return fail(`${quote(String(forbidden))} is not allowed in a path`);
  return { ok: true, value: { source, root, segments } };
}

/** An own property of an object or an element of an array; never the prototype chain, never a getter. */
function child(value: unknown, segment: PathSegment): unknown {
  if (typeof value !== 'object' || value === null) return undefined;
  let key: string;
  if (Array.isArray(value)) {
    const index = typeof segment === 'number' ? segment : ARRAY_INDEX.test(segment) ? Number(segment) : -1;
    if (index < 0 || index >= value.length) return undefined;
    key = String(index);
  } else {
    key = String(segment);
  }
  const descriptor = Object.getOwnPropertyDescriptor(value, key);
  if (descriptor === undefined || !('value' in descriptor)) return undefined;
  const found: unknown = descriptor.value;
  return found;
}

/** The value at a path, or undefined. Never throws. */
export function resolvePath(path: FieldPath, scope: Scope): unknown {
  try {
    let value = path.headers ? (scope.headers ?? {}) : path.root ? scope.root : scope.element;
    for (const segment of path.segments) {
      value = child(value, segment);
      if (value === undefined) return undefined;
    }
    return value;
  } catch {
    return undefined;
  }
}

/** The first path holding a scalar; failing that, the first holding an object or array. */
export function resolveField(field: FieldRef, scope: Scope): Resolved {
  let fallback: Resolved | null = null;
  for (const path of field.paths) {
    const value = resolvePath(path, scope);
    if (value === undefined || value === null) continue;
    if (isScalar(value)) return { value, path };
    fallback ??= { value, path };
  }
  return fallback ?? { value: undefined, path: null };
}

/** How a field's paths read in an explanation: `status` or `event_action|status|state`. */
export function fieldLabel(field: FieldRef): string {
  return field.paths.map((p) => p.source).join('|');
}

/** What a field holds, in words: `commit_status^state is "STOPPED"`, `labels is an object`. */
export function describeResolved(field: FieldRef, resolved: Resolved): string {
  if (resolved.path === null) {
    return field.paths.length === 1
      ? `${field.paths[0]?.source ?? ''} is absent`
      : `none of ${field.paths.map((p) => p.source).join(', ')} is present`;
  }
  const value = resolved.value;
  return isScalar(value)
    ? `${resolved.path.source} is ${quote(scalarText(value))}`
    : `${resolved.path.source} is ${kindOf(value)}`;
}
