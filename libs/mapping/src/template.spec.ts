import { Template, parseTemplate, renderTemplate } from './template';

function template(text: string): Template {
  const parsed = parseTemplate(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
}

function render(text: string, element: unknown, root: unknown = element, max = 1000): string {
  return renderTemplate(template(text), { element, root }, max);
}

describe('templates', () => {
  const payload = {
    commit_status: { key: 'ci', state: 'FAILED', name: 'Unit tests' },
    repository: { full_name: 'acme/api' },
    build: 42,
    ok: true,
    labels: { b: '2', a: '1' },
  };

  it('fills holes with values; text without holes is literal', () => {
    expect(render('{{commit_status.key}}:{{repository.full_name}}', payload)).toBe('ci:acme/api');
    expect(render('plain text', payload)).toBe('plain text');
    expect(render('#{{build}} {{ok}}', payload)).toBe('#42 true');
  });

  it('allows spaces inside the braces and carets in paths', () => {
    expect(render('{{ commit_status^name }} is {{  commit_status.state}}', payload)).toBe(
      'Unit tests is FAILED',
    );
  });

  it('takes the first present alternative, a quoted literal as a last resort', () => {
    expect(render('{{missing|commit_status.key|build}}', payload)).toBe('ci');
    expect(render('{{missing|"none"}}', payload)).toBe('none');
    expect(render("{{missing|'it\\'s'}}", payload)).toBe("it's");
    expect(render('{{missing|"a|b"}}', payload)).toBe('a|b');
  });

  it('renders a missing value as empty text', () => {
    expect(render('[{{missing}}]', payload)).toBe('[]');
    expect(render('[{{commit_status}}]', { commit_status: null })).toBe('[]');
  });

  it('renders an object as compact JSON when no alternative holds a plain value', () => {
    expect(render('{{fingerprint|labels}}', payload)).toBe('{"b":"2","a":"1"}');
    expect(render('{{labels|build}}', payload)).toBe('42');
  });

  it('resolves $. paths against the whole payload', () => {
    const root = { groupKey: 'g1', alerts: [{ fingerprint: 'f1' }] };
    expect(render('{{$.groupKey}}/{{fingerprint}}', root.alerts[0], root)).toBe('g1/f1');
  });

  it('cuts the result at the given length', () => {
    expect(render('{{v}}{{v}}', { v: 'x'.repeat(10) }, undefined, 15)).toHaveLength(15);
  });

  it.each([
    ['{{a', 'not closed'],
    ['{{}}', 'empty'],
    ['{{a||b}}', 'empty alternative'],
    ['{{a.}}', 'ends with'],
    ['{{"open}}', 'not a closed quoted text'],
    ['x'.repeat(5000), 'longer than 4096'],
    ['{{a}}'.repeat(65), 'more than 64 holes'],
  ])('rejects %j', (text, message) => {
    const parsed = parseTemplate(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toContain(message);
  });
});
