import { compileMapping } from './compile';
import { MappingError } from './mapping-error';

function errorsOf(document: unknown): string[] {
  try {
    compileMapping(document);
  } catch (error) {
    if (error instanceof MappingError) return error.errors;
    throw error;
  }
  return [];
}

const OPEN = { field: 'status', equals: 'down', action: 'open' };

describe('compileMapping', () => {
  it('accepts a valid document and keeps a copy of it', () => {
    const document = {
      each: 'alerts',
      filters: [{ field: 'repository.full_name', matches: '^acme/' }],
      rules: [
        OPEN,
        { field: ['state', 'status'], in: ['up', 1, true, null], action: 'close', name: 'recovered' },
      ],
      dedupKey: '{{id}}',
      groupKey: { field: ['$.groupKey', 'repository'], default: 'ungrouped' },
      title: { field: ['title', 'summary'], default: 'Untitled alert' },
      description: null,
      severity: { field: 'severity', map: { high: 'critical' }, default: 'warning' },
      service: '{{service}}',
    };
    const compiled = compileMapping(document);
    expect(compiled.document).toEqual(document);
    document.rules.pop();
    expect(compiled.document.rules).toHaveLength(2);
  });

  it('throws a MappingError whose message lists every error', () => {
    let thrown: unknown;
    try {
      compileMapping({ rules: [{ field: 'a', equals: 'b', action: 'opne' }], titel: 'x' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(MappingError);
    const error = thrown as MappingError;
    expect(error.errors).toEqual([
      'titel is not a known key; did you mean title?',
      'rules[0].action: "opne" is not one of open, close, acknowledge, update, ignore',
    ]);
    expect(error.message).toContain('titel is not a known key');
    expect(error.message).toContain('rules[0].action');
  });

  it.each([
    [null, 'the mapping must be a JSON object with "rules"'],
    [[], 'the mapping must be a JSON object with "rules"'],
    [{}, 'rules: is required'],
    [{ rules: [] }, 'rules: must hold 1 to 200 entries'],
    [{ rules: 'x' }, 'rules: must be a list'],
    [{ rules: [OPEN, 'x'] }, 'rules[1]: must be an object'],
  ])('rejects the shape of %j', (document, message) => {
    expect(errorsOf(document).join('\n')).toContain(message);
  });

  it('names the rule and key that are wrong', () => {
    expect(
      errorsOf({
        rules: [
          OPEN,
          { field: 'a', equal: 'x', action: 'open' },
          { field: 'a', equals: 'x', in: ['y'], action: 'close' },
          { field: 'a', matches: '(a+)+$', action: 'open' },
          { equals: 'x', action: 'open' },
          { field: '', equals: 'x', action: 'open' },
          { field: 'a', in: [], action: 'open' },
          { field: 'a', in: [{}], action: 'open' },
          { field: 'a', contains: '', action: 'open' },
          { field: 'a', exists: 'yes', action: 'open' },
          { field: 'a', equals: 'x', caseSensitive: 'no', action: 'open' },
          { field: 'a', equals: 'x', action: 'open', name: 7 },
          { field: 'a', equals: 'x' },
          { field: ['a', 3], equals: 'x', action: 'open' },
        ],
      }),
    ).toEqual([
      'rules[1].equal is not a known key; did you mean equals?',
      'rules[1]: needs one of equals, in, contains, matches, exists',
      'rules[2]: has equals and in; use exactly one of equals, in, contains, matches, exists (split it in two)',
      'rules[3].matches: nested quantifier in "(a+)+" can backtrack catastrophically in other engines; ' +
        'rewrite it so one repetition cannot match the same text in several ways, e.g. "(a+)+" as "a+"',
      'rules[4].field: is required',
      'rules[5].field: the path is empty',
      'rules[6].in: must be a list of 1 to 500 values',
      'rules[7].in[0]: must be text, a number, true, false or null',
      'rules[8].contains: must not be empty',
      'rules[9].exists: must be true or false',
      'rules[10].caseSensitive: must be true or false',
      'rules[11].name: must be text',
      'rules[12].action: is required: one of open, close, acknowledge, update, ignore',
      'rules[13].field[1]: must be a path (text such as "alerts" or "data.items")',
    ]);
  });

  it('checks filters, each, templates and severity', () => {
    expect(
      errorsOf({
        each: 'alerts..x',
        filters: [{ field: 'a', matches: '(?=x)', action: 'open' }],
        rules: [OPEN],
        dedupKey: '{{id',
        groupKey: { field: [], default: 'g' },
        title: { fields: 'title' },
        description: 42,
        severity: { field: 'sev', map: { high: 'urgent', High: 'critical' }, default: 'p1' },
        service: { field: 'svc', default: 3 },
      }),
    ).toEqual([
      'each: empty key before "." at position 8',
      'filters[0].action is not a known key',
      'filters[0].matches: lookahead ("(?=…)", "(?!…)") are not supported: patterns use RE2 syntax, which runs in linear time',
      'dedupKey: "{{" at position 1 is not closed by "}}"',
      'groupKey.field: must be a path or a list of 1 to 10 paths',
      'title.fields is not a known key; did you mean field?',
      'title.field: is required',
      'service.default: must be text',
      'description: must be a template (text with {{path}} holes) or {"field": …, "default": …}',
      'severity.map.high: "urgent" is not one of critical, error, warning, info',
      'severity.map: "high" and "High" are the same key (keys ignore case)',
      'severity.default: "p1" is not one of critical, error, warning, info',
    ]);
  });

  it('knows groupKey, and suggests it for a near miss', () => {
    expect(errorsOf({ rules: [OPEN], groupKey: '{{$.groupKey}}' })).toEqual([]);
    expect(errorsOf({ rules: [OPEN], group_key: '{{$.groupKey}}' })).toEqual([
      'group_key is not a known key; did you mean groupKey?',
    ]);
    expect(errorsOf({ rules: [OPEN], groupKey: 42 })).toEqual([
      'groupKey: must be a template (text with {{path}} holes) or {"field": …, "default": …}',
    ]);
  });

  it('rejects a pattern that cannot be a regular expression', () => {
    expect(errorsOf({ rules: [{ field: 'a', matches: '[', action: 'open' }] })).toEqual([
      'rules[0].matches: not a valid regular expression: missing closing ]: `[`',
    ]);
  });
});
