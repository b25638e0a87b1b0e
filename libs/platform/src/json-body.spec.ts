import { HttpError } from './http-error.filter';
import { formFields, MAX_JSON_DEPTH, parseJsonBody } from './json-body';

function reason(raw: string | Buffer): string {
  try {
    parseJsonBody(typeof raw === 'string' ? Buffer.from(raw) : raw);
  } catch (error) {
    expect(error).toBeInstanceOf(HttpError);
    expect((error as HttpError).getStatus()).toBe(400);
    return (error as HttpError).message;
  }
  throw new Error('parsed');
}

describe('parseJsonBody', () => {
  it('reads a JSON document', () => {
    expect(parseJsonBody(Buffer.from('{"a":[1,{"b":null}],"constructor":"x"}'))).toEqual({
      a: [1, { b: null }],
      constructor: 'x',
    });
  });

  it('names what is wrong with a body it refuses', () => {
    expect(reason('{"a":')).toMatch(/^malformed JSON: /);
    expect(reason('  ')).toMatch(/empty/);
    expect(reason(Buffer.from([0x7b, 0xff, 0x7d]))).toMatch(/UTF-8/);
    expect(reason('{"payload":{"x":{"__proto__":{"polluted":true}}}}')).toMatch(
      /"__proto__".*payload\.x\.__proto__/,
    );
  });

  it('refuses nesting past the limit without overflowing the stack itself', () => {
    const at = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
    expect(parseJsonBody(Buffer.from(at(MAX_JSON_DEPTH)))).toBeDefined();
    expect(reason(at(MAX_JSON_DEPTH + 1))).toMatch(/deeper than 100 levels/);
    expect(reason(`{"a":${'{"b":'.repeat(50_000)}1${'}'.repeat(50_000)}}`)).toMatch(/deeper than 100/);
  });
});

describe('parseJsonBody and NUL characters', () => {
  it('refuses an escaped NUL in a value or a key, naming where', () => {
    expect(reason('{"name":"a\\u0000b"}')).toBe(
      'the body holds a NUL character (at name), which text cannot be stored with',
    );
    expect(reason('{"a":{"k\\u0000":1}}')).toBe('the body holds a NUL character in a key (in a)');
  });
});

describe('formFields', () => {
  it('reads the first value of each field', () => {
    expect(formFields(Buffer.from('From=%2B14155550100&Body=1a&Body=again'))).toEqual({
      From: '+14155550100',
      Body: '1a',
    });
  });

  it('refuses bodies that are not UTF-8, too many fields, and __proto__', () => {
    expect(() => formFields(Buffer.from([0x42, 0x3d, 0xff]))).toThrow('the body is not valid UTF-8');
    expect(() => formFields(Array.from({ length: 201 }, (_, i) => `f${i}=1`).join('&'))).toThrow(
      'the form has more than 200 fields',
    );
    expect(() => formFields('__proto__=x')).toThrow('the form has a field named __proto__');
  });
});
