/**
 * Where a JSON text is broken, in words: "line 3, column 7: expected a value". Browsers' JSON.parse
 * messages do not all say where; this small scanner finds the first place that is not JSON.
 */
export function jsonProblem(text: string): string | null {
  try {
    JSON.parse(text);
    return null;
  } catch {
    const { at, expected } = firstError(text);
    const before = text.slice(0, at).split('\n');
    return `line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}: expected ${expected}`;
  }
}

class NotJson extends Error {
  constructor(
    readonly at: number,
    readonly expected: string,
  ) {
    super(`expected ${expected} at ${at}`);
  }
}

function firstError(text: string): { at: number; expected: string } {
  let i = 0;
  const fail = (expected: string): never => {
    throw new NotJson(i, expected);
  };
  const space = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i] ?? '')) i++;
  };
  const literal = (word: string) => {
    if (text.startsWith(word, i)) i += word.length;
    else fail('a value');
  };
  const string = () => {
    if (text[i] !== '"') fail('a string in double quotes');
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\') i++;
      else if ((text.charCodeAt(i) ?? 0) < 0x20) fail('the string to end with " on the same line');
      i++;
    }
    if (text[i] !== '"') fail('a closing "');
    i++;
  };
  const value = (): void => {
    space();
    const c = text[i];
    if (c === '{') {
      i++;
      space();
      if (text[i] === '}') return void i++;
      for (;;) {
        space();
        string();
        space();
        if (text[i] !== ':') fail('":" after the name');
        i++;
        value();
        space();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') return void i++;
        fail('"," or "}"');
      }
    }
    if (c === '[') {
      i++;
      space();
      if (text[i] === ']') return void i++;
      for (;;) {
        value();
        space();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') return void i++;
        fail('"," or "]"');
      }
    }
    if (c === '"') return string();
    if (c === 't') return literal('true');
    if (c === 'f') return literal('false');
    if (c === 'n') return literal('null');
    const number = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (number) return void (i += number[0].length);
    fail('a value (a string, number, object, array, true, false or null)');
  };
  try {
    value();
    space();
    if (i < text.length) fail('the end of the text');
    return { at: text.length, expected: 'valid JSON' };
  } catch (error) {
    if (error instanceof NotJson) return { at: error.at, expected: error.expected };
    throw error;
  }
}
