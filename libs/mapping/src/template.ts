import { MAPPING_LIMITS } from './mapping.constants';
import { FieldPath, Parsed, Scope, parsePath, resolvePath } from './path';
import { safeStringify } from './serialize';
import { isScalar, scalarText } from './text';

/** One alternative of a hole: a path, or a quoted literal (`{{labels.team|"unowned"}}`). */
type Alternative = { kind: 'path'; path: FieldPath } | { kind: 'literal'; text: string };

type Part = { kind: 'text'; text: string } | { kind: 'hole'; alternatives: Alternative[] };

/** A parsed template: literal text and `{{a|b}}` holes. */
export interface Template {
  readonly source: string;
  readonly parts: readonly Part[];
}

/** Splits a hole's content on `|`, keeping `|` inside quotes and brackets. */
function splitAlternatives(content: string): string[] {
  const pieces: string[] = [];
  let current = '';
  let quoteChar: string | null = null;
  let brackets = 0;
  for (let i = 0; i < content.length; i += 1) {
    const c = content.charAt(i);
    if (quoteChar !== null) {
      current += c;
      if (c === '\\' && i + 1 < content.length) {
        i += 1;
        current += content.charAt(i);
      } else if (c === quoteChar) {
        quoteChar = null;
      }
    } else if (c === '"' || c === "'") {
      quoteChar = c;
      current += c;
    } else if (c === '[') {
      brackets += 1;
      current += c;
    } else if (c === ']') {
      brackets = Math.max(0, brackets - 1);
      current += c;
    } else if (c === '|' && brackets === 0) {
      pieces.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  pieces.push(current);
  return pieces;
}

function parseLiteral(text: string): string | null {
  const q = text.charAt(0);
  if (text.length < 2 || text.charAt(text.length - 1) !== q) return null;
  let out = '';
  for (let i = 1; i < text.length - 1; i += 1) {
    const c = text.charAt(i);
    if (c === '\\' && i + 1 < text.length - 1) {
      i += 1;
      out += text.charAt(i);
    } else if (c === q) {
      return null;
    } else {
      out += c;
    }
  }
  return out;
}

function parseHole(content: string, position: number): Parsed<Alternative[]> {
  const alternatives: Alternative[] = [];
  for (const raw of splitAlternatives(content)) {
    const piece = raw.trim();
    const where = `{{${content.trim()}}} at position ${position}`;
    if (piece === '') return { ok: false, error: `${where} has an empty alternative` };
    if (piece.startsWith('"') || piece.startsWith("'")) {
      const text = parseLiteral(piece);
      if (text === null) return { ok: false, error: `${where}: ${piece} is not a closed quoted text` };
      alternatives.push({ kind: 'literal', text });
    } else {
      const parsed = parsePath(piece);
      if (!parsed.ok) return { ok: false, error: `${where}: ${parsed.error}` };
      alternatives.push({ kind: 'path', path: parsed.value });
    }
  }
  return { ok: true, value: alternatives };
}

/** Parses a template. Text without holes is literal; `{{` must be closed by `}}`. */
export function parseTemplate(source: string): Parsed<Template> {
  if (source.length > MAPPING_LIMITS.template) {
    return { ok: false, error: `the template is longer than ${MAPPING_LIMITS.template} characters` };
  }
  const parts: Part[] = [];
  let i = 0;
  let holes = 0;
  while (i < source.length) {
    const open = source.indexOf('{{', i);
    if (open < 0) {
      parts.push({ kind: 'text', text: source.slice(i) });
      break;
    }
    if (open > i) parts.push({ kind: 'text', text: source.slice(i, open) });
    const close = source.indexOf('}}', open + 2);
    if (close < 0) return { ok: false, error: `"{{" at position ${open + 1} is not closed by "}}"` };
    const content = source.slice(open + 2, close);
    if (content.trim() === '') return { ok: false, error: `empty "{{}}" at position ${open + 1}` };
    const hole = parseHole(content, open + 1);
    if (!hole.ok) return hole;
    parts.push({ kind: 'hole', alternatives: hole.value });
    holes += 1;
    if (holes > MAPPING_LIMITS.templateHoles) {
      return { ok: false, error: `the template has more than ${MAPPING_LIMITS.templateHoles} holes` };
    }
    i = close + 2;
  }
  return { ok: true, value: { source, parts } };
}

function renderHole(alternatives: readonly Alternative[], scope: Scope, budget: number): string {
  let structured: unknown;
  for (const alternative of alternatives) {
    if (alternative.kind === 'literal') return alternative.text;
    const value = resolvePath(alternative.path, scope);
    if (value === undefined || value === null) continue;
    if (isScalar(value)) return scalarText(value);
    structured ??= value;
  }
  if (structured === undefined) return '';
  return safeStringify(structured, { pretty: false, maxLength: budget, maxDepth: 16 });
}

/**
 * Renders a template: each hole becomes its first present value (missing: empty text; an object or
 * array only when no alternative holds a plain value, as compact JSON). The result is cut at
 * `maxLength` characters.
 */
export function renderTemplate(template: Template, scope: Scope, maxLength: number): string {
  let out = '';
  for (const part of template.parts) {
    out += part.kind === 'text' ? part.text : renderHole(part.alternatives, scope, maxLength - out.length);
    if (out.length >= maxLength) return out.slice(0, maxLength);
  }
  return out;
}
