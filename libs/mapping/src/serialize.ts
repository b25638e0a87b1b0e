import { truncate } from './text';

export interface SerializeOptions {
  /** Two-space indentation and one member per line. */
  pretty: boolean;
  /** Characters at most; a longer result is cut and ends with a note. */
  maxLength: number;
  /** Nesting levels shown; deeper objects and arrays appear as "…". */
  maxDepth: number;
}

const TRUNCATED = '\n… (truncated)';

class BudgetExceeded extends Error {}

/**
 * JSON of any value, bounded in depth and length, reading own enumerable properties only. Unlike
 * JSON.stringify it neither throws on deep nesting or cycles nor spends time past its budget.
 */
export function safeStringify(value: unknown, options: SerializeOptions): string {
  const parts: string[] = [];
  let length = 0;
  const push = (text: string): void => {
    parts.push(text);
    length += text.length;
    if (length > options.maxLength) throw new BudgetExceeded();
  };
  const newline = (depth: number): void => {
    if (options.pretty) push(`\n${'  '.repeat(depth)}`);
  };

  const write = (node: unknown, depth: number): void => {
    if (node === null || node === undefined) return push('null');
    switch (typeof node) {
      case 'string':
        return push(JSON.stringify(node));
      case 'number':
        return push(Number.isFinite(node) ? String(node) : 'null');
      case 'boolean':
        return push(node ? 'true' : 'false');
      case 'bigint':
        return push(node.toString());
      case 'object':
        break;
      case 'symbol':
      case 'function':
      case 'undefined':
        return push('null');
    }
    if (depth >= options.maxDepth) return push('"…"');
    if (Array.isArray(node)) {
      if (node.length === 0) return push('[]');
      push('[');
      for (let i = 0; i < node.length; i += 1) {
        if (i > 0) push(',');
        newline(depth + 1);
        write(ownValue(node, String(i)), depth + 1);
      }
      newline(depth);
      return push(']');
    }
    const keys = Object.keys(node);
    if (keys.length === 0) return push('{}');
    push('{');
    keys.forEach((key, i) => {
      if (i > 0) push(',');
      newline(depth + 1);
      push(JSON.stringify(key));
      push(options.pretty ? ': ' : ':');
      write(ownValue(node, key), depth + 1);
    });
    newline(depth);
    return push('}');
  };

  try {
    write(value, 0);
    return parts.join('');
  } catch (error) {
    if (!(error instanceof BudgetExceeded)) throw error;
    const text = parts.join('');
    return truncate(text, options.maxLength, TRUNCATED);
  }
}

function ownValue(node: object, key: string): unknown {
  const descriptor = Object.getOwnPropertyDescriptor(node, key);
  const value: unknown = descriptor !== undefined && 'value' in descriptor ? descriptor.value : undefined;
  return value;
}
