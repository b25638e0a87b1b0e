import { compilePattern } from './pattern';

function problem(pattern: string, caseSensitive = false): string | null {
  const compiled = compilePattern(pattern, caseSensitive);
  return compiled.ok ? null : compiled.error;
}

describe('compilePattern', () => {
  it.each([
    '^acme/',
    '^(a|b)*c$',
    '(foo|bar)+',
    '(\\.[a-z]+)*',
    '(\\w+\\.)+com$',
    '^(\\d{1,3}\\.){3}\\d{1,3}$',
    '(\\d+,)*\\d+',
    '((a|ab)c)+',
    '(a|b+c)+',
    '(ab)+',
    '(a{2})+',
    '[a-f0-9]{64}',
    '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$',
    '(?i)^prod(uction)?-',
    '(?P<env>prod|staging)',
    '\\Qa.b\\E+',
    '[[:alpha:]]+',
    '\\p{Greek}+',
  ])('accepts %s', (pattern) => {
    expect(problem(pattern)).toBeNull();
  });

  it.each([
    ['(a+)+$', '"(a+)+"'],
    ['(a*)*', '"(a*)*"'],
    ['(a|aa)+', '"(a|aa)+"'],
    ['(x+x+)+y', '"(x+x+)+"'],
    ['^(\\w+\\s?)*$', '"(\\\\w+\\\\s?)*"'],
    ['(.*,)*', '"(.*,)*"'],
    ['(a|b+)+', '"(a|b+)+"'],
    ['(a?)*', '"(a?)*"'],
    ['((ab)*)+', '"((ab)*)+"'],
    ['(a+){2}', '"(a+){2}"'],
  ])('rejects the nested quantifier in %s', (pattern, fragment) => {
    const error = problem(pattern);
    expect(error).toContain('nested quantifier');
    expect(error).toContain(fragment);
    expect(error).toContain('can backtrack catastrophically in other engines');
    expect(error).toContain('e.g. "(a+)+" as "a+"');
  });

  it('folds case only when matching ignores it', () => {
    expect(problem('(a|A)+')).toContain('nested quantifier');
    expect(problem('(a|A)+', true)).toBeNull();
  });

  it.each([
    ['(a)\\1', 'backreferences ("\\1")'],
    ['(?<x>a)\\k<x>', 'backreferences ("\\k<name>")'],
    ['(?P<x>a)(?P=x)', 'backreferences ("(?P=name)")'],
    ['foo(?=bar)', 'lookahead'],
    ['foo(?!bar)', 'lookahead'],
    ['(?<=foo)bar', 'lookbehind'],
    ['(?<!foo)bar', 'lookbehind'],
    ['(?>a+)b', 'atomic groups'],
  ])('names syntax RE2 lacks in %s', (pattern, name) => {
    const error = problem(pattern);
    expect(error).toContain(name);
    expect(error).toContain('are not supported: patterns use RE2 syntax, which runs in linear time');
  });

  it('does not mistake escaped or bracketed characters for unsupported syntax', () => {
    expect(problem('\\(?=x')).toBeNull();
    expect(problem('[(?=]')).toBeNull();
    expect(problem('\\\\1')).toBeNull();
  });

  it('reports other syntax errors with the engine reason', () => {
    expect(problem('[a-')).toMatch(/^not a valid regular expression: missing closing \]/);
    expect(problem('a**')).toMatch(/^not a valid regular expression: invalid nested repetition operator/);
  });

  it('rejects patterns over 1000 characters', () => {
    expect(problem('a'.repeat(1001))).toBe('the pattern is 1001 characters long; at most 1000');
  });

  it('rejects patterns whose counted repetitions expand too far', () => {
    expect(problem('.{1000}x')).toContain('expands to 1001 character positions');
    expect(problem('x.{200}y')).toBeNull();
    expect(problem('x.{300}y')).toContain('at most 256');
  });

  it('runs in linear time on long input', () => {
    const compiled = compilePattern('^(a|b)*c$', false);
    if (!compiled.ok) throw new Error(compiled.error);
    const input = 'ab'.repeat(50_000);
    expect(compiled.value.matcher(input).find()).toBe(false);
    expect(compiled.value.matcher(`${input}c`).find()).toBe(true);
  });
});
