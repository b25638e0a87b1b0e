import { FieldPath, describeResolved, parsePath, resolveField, resolvePath } from './path';

function path(text: string): FieldPath {
  const parsed = parsePath(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
}

function at(text: string, element: unknown, root: unknown = element): unknown {
  return resolvePath(path(text), { element, root });
}

describe('parsePath', () => {
  it.each([
    ['a.b[0].c', ['a', 'b', 0, 'c']],
    ['commit_status^state', ['commit_status', 'state']],
    ['a^b[0]', ['a', 'b', 0]],
    ['labels["app.kubernetes.io/name"]', ['labels', 'app.kubernetes.io/name']],
    ["labels['it''s']", null],
    ["labels['a\\'b']", ['labels', "a'b"]],
    ['alerts[0][1]', ['alerts', 0, 1]],
    ['  spaced.out  ', ['spaced', 'out']],
    ['custom_details.ping time', ['custom_details', 'ping time']],
  ])('parses %s', (text, segments) => {
    const parsed = parsePath(text);
    if (segments === null) expect(parsed.ok).toBe(false);
    else expect(parsed).toEqual({ ok: true, value: expect.objectContaining({ segments, root: false }) });
  });

  it('marks $. paths as resolving against the whole payload', () => {
    expect(path('$.commonLabels.alertname')).toMatchObject({
      root: true,
      segments: ['commonLabels', 'alertname'],
    });
    expect(path('$[0]')).toMatchObject({ root: true, segments: [0] });
    expect(path('$')).toMatchObject({ root: true, segments: [] });
  });

  it.each([
    ['', 'empty'],
    ['.a', 'starts with'],
    ['a.', 'ends with'],
    ['a..b', 'empty key'],
    ['a[x]', 'index or a quoted key'],
    ['a[0', 'expected "]"'],
    ['a["b]', 'no closing'],
    ['a]', 'unexpected "]"'],
    ['a[0]b', 'expected ".", "^" or "["'],
    ['a.__proto__.b', '"__proto__" is not allowed'],
    [Array.from({ length: 33 }, (_, i) => `k${i}`).join('.'), 'more than 32 segments'],
  ])('rejects %j (%s)', (text, message) => {
    const parsed = parsePath(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toContain(message);
  });
});

describe('resolvePath', () => {
  const payload = {
    a: { b: [{ c: 'deep' }] },
    commit_status: { state: 'FAILED' },
    labels: { 'app.kubernetes.io/name': 'checkout' },
    list: ['x', 'y'],
    n: 0,
    f: false,
  };

  it('follows dots, brackets, carets and quoted keys', () => {
    expect(at('a.b[0].c', payload)).toBe('deep');
    expect(at('a^b[0]^c', payload)).toBe('deep');
    expect(at('a.b.0.c', payload)).toBe('deep');
    expect(at('labels["app.kubernetes.io/name"]', payload)).toBe('checkout');
    expect(at('list[1]', payload)).toBe('y');
    expect(at('n', payload)).toBe(0);
    expect(at('f', payload)).toBe(false);
  });

  it('answers undefined for anything missing, out of range or not a container', () => {
    expect(at('a.x.y', payload)).toBeUndefined();
    expect(at('list[2]', payload)).toBeUndefined();
    expect(at('list.length', payload)).toBeUndefined();
    expect(at('n.toFixed', payload)).toBeUndefined();
    expect(at('a', 'not an object')).toBeUndefined();
    expect(at('a', null)).toBeUndefined();
  });

  it('reads own properties only, never the prototype chain', () => {
    expect(at('constructor', {})).toBeUndefined();
    expect(at('toString', {})).toBeUndefined();
    expect(at('constructor.name', [])).toBeUndefined();
    expect(at('hasOwnProperty', Object.create({ hasOwnProperty: 'inherited' }))).toBeUndefined();
    expect(at('constructor', { constructor: 'own data' })).toBe('own data');
  });

  it('does not call getters', () => {
    const getter = jest.fn(() => 'computed');
    const object = Object.defineProperty({}, 'x', { get: getter, enumerable: true });
    expect(at('x', object)).toBeUndefined();
    expect(getter).not.toHaveBeenCalled();
  });

  it('leaves a JSON "__proto__" key as data no path can reach', () => {
    const payload: unknown = JSON.parse('{"__proto__": {"status": "down"}, "ok": 1}');
    expect(at('status', payload)).toBeUndefined();
    expect(parsePath('__proto__.status').ok).toBe(false);
    expect(({} as Record<string, unknown>).status).toBeUndefined();
  });

  it('resolves $. against the root and other paths against the element', () => {
    const root = { groupKey: 'g', alerts: [{ status: 'firing' }] };
    expect(at('$.groupKey', root.alerts[0], root)).toBe('g');
    expect(at('status', root.alerts[0], root)).toBe('firing');
    expect(at('groupKey', root.alerts[0], root)).toBeUndefined();
  });
});

describe('resolveField', () => {
  const field = { paths: ['event_action', 'status', 'state'].map(path) };

  it('takes the first path holding a scalar', () => {
    const scope = { element: { status: 'ok', state: 'down', event_action: null }, root: null };
    expect(resolveField(field, scope)).toMatchObject({ value: 'ok', path: { source: 'status' } });
  });

  it('falls back to an object only when no path holds a scalar', () => {
    const scope = { element: { event_action: { nested: true }, state: 'down' }, root: null };
    expect(resolveField(field, scope).value).toBe('down');
    const onlyObject = { element: { status: ['x'] }, root: null };
    expect(resolveField(field, onlyObject).value).toEqual(['x']);
  });

  it('describes what it found', () => {
    const scope = { element: { status: 'STOPPED' }, root: null };
    expect(describeResolved(field, resolveField(field, scope))).toBe('status is "STOPPED"');
    expect(describeResolved(field, resolveField(field, { element: {}, root: null }))).toBe(
      'none of event_action, status, state is present',
    );
    const single = { paths: [path('labels')] };
    expect(describeResolved(single, resolveField(single, { element: { labels: {} }, root: null }))).toBe(
      'labels is an object',
    );
  });
});

describe('header paths', () => {
  it('read a request header by its name, whatever its case', () => {
    const header = path('$headers.X-GitHub-Event');
    expect(header).toMatchObject({ headers: true, segments: ['x-github-event'] });
    expect(
      resolvePath(header, { element: {}, root: {}, headers: { 'x-github-event': 'workflow_run' } }),
    ).toBe('workflow_run');
    expect(resolvePath(header, { element: {}, root: {} })).toBeUndefined();
  });

  it('refuse a name that is not a header name', () => {
    expect(parsePath('$headers.a b')).toMatchObject({
      ok: false,
      error: expect.stringContaining('header name'),
    });
  });
});
