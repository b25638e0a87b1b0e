import { HttpError } from './http-error.filter';

/** Deepest nesting a JSON request body may have: well past any real document, far from the stack's end. */
export const MAX_JSON_DEPTH = 100;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads a JSON request body, answering 400 with the reason for what the handlers behind it must
 * not see: bytes that are not UTF-8, malformed JSON, nesting deeper than MAX_JSON_DEPTH (validation
 * walks bodies recursively), `__proto__` keys (assigning one swaps an object's prototype), and NUL
 * characters (`\u0000`), which PostgreSQL text and jsonb cannot hold.
 */
export function parseJsonBody(raw: Buffer): unknown {
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    throw new HttpError(400, 'the body is not valid UTF-8');
  }
  if (text.trim() === '') throw new HttpError(400, 'the body is empty; send a JSON document');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, `malformed JSON: ${(error as Error).message.slice(0, 300)}`);
  }
  checkShape(value);
  return value;
}

const NUL = String.fromCharCode(0);

/** Walks the document without recursion, so its own depth cannot overflow the stack. */
function checkShape(root: unknown): void {
  const pending: [unknown, string, number][] = [[root, '', 1]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [value, path, depth] = next;
    if (typeof value === 'string' && value.includes(NUL)) {
      throw new HttpError(
        400,
        `the body holds a NUL character (at ${path.slice(0, 200) || 'the top'}), which text cannot be stored with`,
      );
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth > MAX_JSON_DEPTH) {
      throw new HttpError(
        400,
        `the body nests deeper than ${MAX_JSON_DEPTH} levels (at ${path.slice(0, 200)})`,
      );
    }
    if (Array.isArray(value)) {
      value.forEach((item, i) => pending.push([item, `${path}[${i}]`, depth + 1]));
      continue;
    }
    for (const key of Object.keys(value)) {
      const at = path ? `${path}.${key}` : key;
      if (key.includes(NUL)) {
        throw new HttpError(
          400,
          `the body holds a NUL character in a key (in ${path.slice(0, 200) || 'the top'})`,
        );
      }
      if (key === '__proto__') {
        throw new HttpError(
          400,
          `the body holds a "__proto__" key (at ${at.slice(0, 200)}), which is refused`,
        );
      }
      pending.push([(value as Record<string, unknown>)[key], at, depth + 1]);
    }
  }
}

/** Most fields a form body may have. */
export const MAX_FORM_FIELDS = 200;

/**
 * Reads an application/x-www-form-urlencoded body into its fields (the first value of each name).
 * Refuses, with 400, bodies that are not UTF-8, that have too many fields, or a `__proto__` field.
 */
export function formFields(raw: Buffer | string): Record<string, string> {
  let text: string;
  try {
    text = typeof raw === 'string' ? raw : utf8.decode(raw);
  } catch {
    throw new HttpError(400, 'the body is not valid UTF-8');
  }
  const fields: Record<string, string> = {};
  let count = 0;
  for (const [name, value] of new URLSearchParams(text)) {
    count += 1;
    if (count > MAX_FORM_FIELDS) throw new HttpError(400, `the form has more than ${MAX_FORM_FIELDS} fields`);
    if (name === '__proto__') throw new HttpError(400, 'the form has a field named __proto__');
    if (!Object.prototype.hasOwnProperty.call(fields, name)) fields[name] = value;
  }
  return fields;
}
