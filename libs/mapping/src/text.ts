import { MAPPING_LIMITS } from './mapping.constants';

/** A value that matchers compare and templates print as text. */
export type Scalar = string | number | boolean;

export function isScalar(value: unknown): value is Scalar {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

/** A scalar as text: strings as they are, numbers as JSON writes them, booleans as `true`/`false`. */
export function scalarText(value: Scalar): string {
  return typeof value === 'string' ? value : String(value);
}

/** Cuts `text` to at most `max` characters, ending with `marker` when cut, never inside a surrogate pair. */
export function truncate(text: string, max: number, marker = '…'): string {
  if (text.length <= max) return text;
  const keep = Math.max(0, max - marker.length);
  let end = keep;
  const last = text.charCodeAt(end - 1);
  if (end > 0 && last >= 0xd800 && last <= 0xdbff) end -= 1;
  return text.slice(0, end) + marker;
}

/** A value quoted for an explanation: `"STOPPED"`. */
export function quote(text: string): string {
  return JSON.stringify(truncate(text, MAPPING_LIMITS.quotedValue));
}

/** What kind of JSON value this is, in words. */
export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'number') return 'a number';
  if (typeof value === 'boolean') return 'a boolean';
  return typeof value;
}
