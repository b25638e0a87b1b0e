import { applyMapping } from './apply';
import { compileMapping } from './compile';
import { fallbackDedupKey } from './dedup-key';
import { ElementResult, MappedEvent, MappingDocument, MappingOutcome } from './mapping.types';

const CONTEXT = { integrationId: 'int-1' };

function run(document: MappingDocument, payload: unknown): MappingOutcome {
  return applyMapping(compileMapping(document), payload, CONTEXT);
}

function only(document: MappingDocument, payload: unknown): ElementResult {
  const outcome = run(document, payload);
  if (outcome.kind !== 'elements') throw new Error(`invalid: ${outcome.detail}`);
  expect(outcome.elements).toHaveLength(1);
  return outcome.elements[0];
}

function event(document: MappingDocument, payload: unknown): MappedEvent {
  const result = only(document, payload);
  if (result.kind !== 'event') throw new Error(`expected an event, got ${JSON.stringify(result)}`);
  return result;
}

const matches = (matcher: Omit<MappingDocument['rules'][number], 'action'>, payload: unknown): boolean =>
  only({ rules: [{ ...matcher, action: 'open' }] }, payload).kind === 'event';

describe('matchers', () => {
  it('compare case-insensitively unless caseSensitive is set', () => {
    expect(matches({ field: 's', equals: 'FAILED' }, { s: 'failed' })).toBe(true);
    expect(matches({ field: 's', equals: 'FAILED', caseSensitive: true }, { s: 'failed' })).toBe(false);
    expect(matches({ field: 's', equals: 'FAILED', caseSensitive: true }, { s: 'FAILED' })).toBe(true);
    expect(matches({ field: 's', in: ['Passed', 'FIXED'] }, { s: 'fixed' })).toBe(true);
    expect(matches({ field: 's', contains: 'TIME' }, { s: 'timed_out' })).toBe(true);
    expect(matches({ field: 's', contains: 'TIME', caseSensitive: true }, { s: 'timed_out' })).toBe(false);
    expect(matches({ field: 's', matches: '^acme/' }, { s: 'ACME/api' })).toBe(true);
    expect(matches({ field: 's', matches: '^acme/', caseSensitive: true }, { s: 'ACME/api' })).toBe(false);
  });

  it('compare numbers and booleans as their JSON text', () => {
    expect(matches({ field: 'build_status', equals: '2' }, { build_status: 2 })).toBe(true);
    expect(matches({ field: 'build_status', equals: 2 }, { build_status: '2' })).toBe(true);
    expect(matches({ field: 'build_status', in: [3, 4] }, { build_status: 4 })).toBe(true);
    expect(matches({ field: 'blocked', equals: true }, { blocked: true })).toBe(true);
    expect(matches({ field: 'blocked', equals: 'false' }, { blocked: false })).toBe(true);
    expect(matches({ field: 'x', matches: '^1\\.5$' }, { x: 1.5 })).toBe(true);
  });

  it('treat null as absent', () => {
    expect(matches({ field: 'conclusion', equals: null }, { conclusion: null })).toBe(true);
    expect(matches({ field: 'conclusion', equals: null }, {})).toBe(true);
    expect(matches({ field: 'conclusion', in: ['failure', null] }, {})).toBe(true);
    expect(matches({ field: 'conclusion', equals: null }, { conclusion: 'failure' })).toBe(false);
    expect(matches({ field: 'conclusion', exists: true }, { conclusion: null })).toBe(false);
    expect(matches({ field: 'conclusion', exists: false }, { conclusion: null })).toBe(true);
  });

  it('never match an object or array except with exists', () => {
    const payload = { labels: { a: 'b' }, list: ['down'] };
    expect(matches({ field: 'labels', equals: '[object Object]' }, payload)).toBe(false);
    expect(matches({ field: 'list', in: ['down'] }, payload)).toBe(false);
    expect(matches({ field: 'list', contains: 'down' }, payload)).toBe(false);
    expect(matches({ field: 'labels', matches: '.*' }, payload)).toBe(false);
    expect(matches({ field: 'labels', exists: true }, payload)).toBe(true);
    expect(matches({ field: 'missing', exists: false }, payload)).toBe(true);
  });

  it('use the first present of several fields', () => {
    const rule = { field: ['event_action', 'status', 'state'], equals: 'trigger' };
    expect(matches(rule, { status: 'trigger', state: 'ok' })).toBe(true);
    expect(matches(rule, { status: 'ok', state: 'trigger' })).toBe(false);
    expect(matches(rule, { event_action: null, state: 'trigger' })).toBe(true);
  });

  it('run a pattern on long input in linear time and on the first 64 KiB only', () => {
    const long = 'ab'.repeat(50_000);
    expect(matches({ field: 's', matches: '^(a|b)*c$' }, { s: long })).toBe(false);
    expect(matches({ field: 's', matches: '^(a|b)*$' }, { s: long })).toBe(true);
    expect(matches({ field: 's', matches: 'needle' }, { s: `${long}needle` })).toBe(false);
    expect(matches({ field: 's', matches: 'needle' }, { s: `needle${long}` })).toBe(true);
  });
});

describe('rules and filters', () => {
  const document: MappingDocument = {
    filters: [{ field: 'repository.full_name', matches: '^acme/' }],
    rules: [
      { field: 'commit_status^state', equals: 'FAILED', action: 'open', name: 'failed builds' },
      { field: 'commit_status^state', in: ['SUCCESSFUL', 'FAILED'], action: 'close' },
      { field: 'commit_status^state', equals: 'INPROGRESS', action: 'ignore' },
    ],
  };
  const payload = (state: string, repo = 'acme/api'): unknown => ({
    repository: { full_name: repo },
    commit_status: { state },
  });

  it('lets the first matching rule decide, and names it', () => {
    expect(event(document, payload('FAILED'))).toMatchObject({
      action: 'open',
      rule: 'rules[0] "failed builds" (open)',
    });
    expect(event(document, payload('SUCCESSFUL'))).toMatchObject({
      action: 'close',
      rule: 'rules[1] (close)',
    });
  });

  it('answers ignored for an ignore rule', () => {
    expect(only(document, payload('INPROGRESS'))).toEqual({
      kind: 'ignored',
      index: 0,
      rule: 'rules[2] (ignore)',
      detail: 'commit_status^state is "INPROGRESS"',
    });
  });

  it('answers unmapped with what the rules looked at', () => {
    expect(only(document, payload('STOPPED'))).toEqual({
      kind: 'unmapped',
      index: 0,
      detail: 'no rule matched: commit_status^state is "STOPPED"',
    });
    expect(
      only(
        {
          rules: [
            { field: ['a', 'b'], equals: 'x', action: 'open' },
            { field: 'c', exists: true, action: 'open' },
          ],
        },
        {},
      ),
    ).toMatchObject({
      detail: 'no rule matched: none of a, b is present, c is absent',
    });
  });

  it('answers filtered, naming the filter, when one fails', () => {
    expect(only(document, payload('FAILED', 'other/api'))).toEqual({
      kind: 'filtered',
      index: 0,
      rule: 'filters[0]',
      detail: 'not (repository.full_name matches "^acme/"): repository.full_name is "other/api"',
    });
  });

  it('handles a payload that is not an object: no rule matches', () => {
    for (const payload of ['text', 42, null, [1, 2], true]) {
      expect(only(document, payload)).toMatchObject({ kind: expect.stringMatching(/filtered|unmapped/) });
      expect(only({ rules: document.rules }, payload)).toMatchObject({ kind: 'unmapped' });
    }
  });

  it('cannot reach prototype data through a "__proto__" key', () => {
    const hostile: unknown = JSON.parse('{"__proto__": {"status": "down"}, "constructor": {"name": "x"}}');
    expect(only({ rules: [{ field: 'status', equals: 'down', action: 'open' }] }, hostile)).toMatchObject({
      kind: 'unmapped',
    });
    expect(({} as Record<string, unknown>).status).toBeUndefined();
  });

  it('keeps a long rule name within 200 characters', () => {
    const result = event(
      { rules: [{ field: 'a', exists: true, action: 'open', name: 'n'.repeat(200) }] },
      { a: 1 },
    );
    expect(result.rule.length).toBeLessThanOrEqual(200);
    expect(result.rule).toMatch(/^rules\[0\] "n+…" \(open\)$/);
  });
});

describe('event fields', () => {
  const OPEN = [{ field: 'status', equals: 'down', action: 'open' as const }];

  it('renders the dedup key, title, service and severity', () => {
    const result = event(
      {
        rules: OPEN,
        dedupKey: '{{check}}:{{host}}',
        title: '  {{check}}   on\n{{host}} ',
        severity: { field: 'level', map: { HIGH: 'critical' } },
        service: '{{service}}',
      },
      { status: 'down', check: 'disk', host: 'db1', level: 'high', service: ' checkout ' },
    );
    expect(result).toMatchObject({
      kind: 'event',
      index: 0,
      action: 'open',
      dedupKey: 'disk:db1',
      dedupKeyFallback: false,
      groupKey: null,
      title: 'disk on db1',
      severity: 'critical',
      service: 'checkout',
    });
  });

  it('falls back to a hash of integration and title when the key renders empty', () => {
    const result = event({ rules: OPEN, dedupKey: '{{missing}}', title: 'Disk full' }, { status: 'down' });
    expect(result).toMatchObject({
      dedupKey: fallbackDedupKey('int-1', 'Disk full'),
      dedupKeyFallback: true,
    });
    expect(result.dedupKey).toMatch(/^auto:[0-9a-f]{32}$/);
    expect(event({ rules: OPEN }, { status: 'down' })).toMatchObject({
      dedupKey: fallbackDedupKey('int-1', 'Untitled event'),
      dedupKeyFallback: true,
    });
  });

  it('hashes a dedup key over 1024 characters, keeping a readable prefix', () => {
    const long = (tail: string): string =>
      event({ rules: OPEN, dedupKey: '{{key}}' }, { status: 'down', key: `${'k'.repeat(2000)}${tail}` })
        .dedupKey;
    const a = long('a');
    expect(a).toHaveLength(1024);
    expect(a).toMatch(/^k{959}#[0-9a-f]{64}$/);
    expect(long('a')).toBe(a);
    expect(long('b')).not.toBe(a);
  });

  it('renders the group key from a template or a field, trimmed', () => {
    const payload = { status: 'down', repository: { full_name: ' acme/api ' }, team: 'core' };
    expect(event({ rules: OPEN, groupKey: '{{repository.full_name}}' }, payload).groupKey).toBe('acme/api');
    expect(event({ rules: OPEN, groupKey: 'team:{{team}}' }, payload).groupKey).toBe('team:core');
    expect(
      event({ rules: OPEN, groupKey: { field: ['service', 'team'], default: 'all' } }, payload).groupKey,
    ).toBe('core');
    expect(event({ rules: OPEN, groupKey: { field: 'service', default: 'all' } }, payload).groupKey).toBe(
      'all',
    );
  });

  it('has no group key when the mapping names none or it renders empty', () => {
    expect(event({ rules: OPEN }, { status: 'down' }).groupKey).toBeNull();
    expect(event({ rules: OPEN, groupKey: '{{missing}}' }, { status: 'down' }).groupKey).toBeNull();
    expect(
      event({ rules: OPEN, groupKey: ' {{blank}} ' }, { status: 'down', blank: '  ' }).groupKey,
    ).toBeNull();
    expect(event({ rules: OPEN, groupKey: { field: 'missing' } }, { status: 'down' }).groupKey).toBeNull();
  });

  it('leaves the dedup key alone when it sets the group key', () => {
    expect(
      event(
        { rules: OPEN, dedupKey: '{{id}}', groupKey: '{{repo}}' },
        { status: 'down', id: 'a', repo: 'r' },
      ),
    ).toMatchObject({ dedupKey: 'a', dedupKeyFallback: false, groupKey: 'r' });
    expect(event({ rules: OPEN, groupKey: '{{repo}}' }, { status: 'down', repo: 'r' })).toMatchObject({
      dedupKey: fallbackDedupKey('int-1', 'Untitled event'),
      dedupKeyFallback: true,
      groupKey: 'r',
    });
  });

  it('hashes a group key over 1024 characters like a dedup key', () => {
    const group = (tail: string): string | null =>
      event({ rules: OPEN, groupKey: '{{g}}' }, { status: 'down', g: `${'g'.repeat(2000)}${tail}` }).groupKey;
    const a = group('a');
    expect(a).toHaveLength(1024);
    expect(a).toMatch(/^g{959}#[0-9a-f]{64}$/);
    expect(group('a')).toBe(a);
    expect(group('b')).not.toBe(a);
    expect(event({ rules: OPEN, groupKey: '{{g}}' }, { status: 'down', g: 'g'.repeat(1024) }).groupKey).toBe(
      'g'.repeat(1024),
    );
  });

  it('titles an event with nothing to show "Untitled event" and cuts long titles', () => {
    expect(event({ rules: OPEN, title: '{{missing}}' }, { status: 'down' }).title).toBe('Untitled event');
    const long = event({ rules: OPEN, title: '{{t}}' }, { status: 'down', t: 'x'.repeat(5000) }).title;
    expect(long).toHaveLength(1024);
    expect(long.endsWith('…')).toBe(true);
  });

  it('has no service when it renders empty, and cuts it at 200 characters', () => {
    expect(event({ rules: OPEN, service: '{{missing}}' }, { status: 'down' }).service).toBeNull();
    expect(
      event({ rules: OPEN, service: '{{s}}' }, { status: 'down', s: 's'.repeat(300) }).service,
    ).toHaveLength(200);
  });

  it.each([
    [{ field: 'sev', map: { P1: 'critical' as const } }, 'p1', 'critical'],
    [{ field: 'sev', map: { P1: 'critical' as const } }, 'WARNING', 'warning'],
    [{ field: 'sev', default: 'info' as const }, 'weird', 'info'],
    [{ field: 'sev' }, 'weird', 'error'],
    [{ field: 'sev' }, undefined, 'error'],
    [undefined, 'critical', 'error'],
  ])('takes severity from %j with %s as %s', (severity, value, expected) => {
    expect(event({ rules: OPEN, severity }, { status: 'down', sev: value }).severity).toBe(expected);
  });

  it('describes the event with the full payload as JSON when description is null or absent', () => {
    const payload = { status: 'down', nested: { list: [1, 'two'] } };
    const expected = JSON.stringify(payload, null, 2);
    expect(event({ rules: OPEN, description: null }, payload).description).toBe(expected);
    expect(event({ rules: OPEN }, payload).description).toBe(expected);
    expect(event({ rules: OPEN, description: '{{missing}}' }, payload).description).toBe(expected);
    expect(event({ rules: OPEN, description: 'Host {{status}}' }, payload).description).toBe('Host down');
  });

  it('cuts the description at 64 KiB', () => {
    const description = event({ rules: OPEN }, { status: 'down', blob: 'x'.repeat(100_000) }).description;
    expect(description.length).toBeLessThanOrEqual(64 * 1024);
    expect(description.endsWith('… (truncated)')).toBe(true);
  });

  it('survives a payload nested 10,000 levels deep', () => {
    const deep: unknown = JSON.parse(`${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`);
    const document: MappingDocument = {
      rules: [{ field: 'a.a.a.a', exists: true, action: 'open' }],
      title: '{{a}}',
    };
    const result = event(document, deep);
    expect(result.description).toContain('"…"');
    expect(result.description.length).toBeLessThan(64 * 1024);
    expect(result.title.startsWith('{"a":{"a":')).toBe(true);
  });
});

describe('each', () => {
  const document: MappingDocument = {
    each: 'alerts',
    rules: [
      { field: 'status', equals: 'firing', action: 'open' },
      { field: 'status', equals: 'resolved', action: 'close' },
    ],
    dedupKey: '{{$.receiver}}:{{fingerprint}}',
    title: '{{annotations.summary|labels.alertname}} ({{$.commonLabels.job}})',
  };

  it('makes one result per element, in order, with paths on the element and $. on the payload', () => {
    const outcome = run(document, {
      receiver: 'tocsin',
      commonLabels: { job: 'api' },
      alerts: [
        { status: 'firing', fingerprint: 'f1', labels: { alertname: 'HighLatency' } },
        { status: 'resolved', fingerprint: 'f2', annotations: { summary: 'Disk full' } },
        { status: 'pending', fingerprint: 'f3' },
      ],
    });
    expect(outcome).toEqual({
      kind: 'elements',
      elements: [
        expect.objectContaining({
          kind: 'event',
          index: 0,
          action: 'open',
          dedupKey: 'tocsin:f1',
          title: 'HighLatency (api)',
        }),
        expect.objectContaining({
          kind: 'event',
          index: 1,
          action: 'close',
          dedupKey: 'tocsin:f2',
          title: 'Disk full (api)',
        }),
        expect.objectContaining({ kind: 'unmapped', index: 2 }),
      ],
    });
  });

  it('renders the group key per element, from the element or the whole payload', () => {
    const outcome = run(
      { ...document, groupKey: '{{$.groupKey}}' },
      {
        groupKey: '{}:{alertname="HighLatency"}',
        alerts: [
          { status: 'firing', fingerprint: 'f1' },
          { status: 'firing', fingerprint: 'f2' },
        ],
      },
    );
    expect(outcome).toMatchObject({
      elements: [
        { dedupKey: ':f1', groupKey: '{}:{alertname="HighLatency"}' },
        { dedupKey: ':f2', groupKey: '{}:{alertname="HighLatency"}' },
      ],
    });
    const perElement = run(
      { ...document, groupKey: '{{labels.service}}' },
      {
        alerts: [
          { status: 'firing', fingerprint: 'f1', labels: { service: 'api' } },
          { status: 'firing', fingerprint: 'f2' },
        ],
      },
    );
    expect(perElement).toMatchObject({ elements: [{ groupKey: 'api' }, { groupKey: null }] });
  });

  it('describes each element by its own JSON', () => {
    const outcome = run(document, { alerts: [{ status: 'firing', fingerprint: 'f1' }] });
    expect(outcome).toMatchObject({
      elements: [{ description: JSON.stringify({ status: 'firing', fingerprint: 'f1' }, null, 2) }],
    });
  });

  it('answers no elements for an empty array', () => {
    expect(run(document, { alerts: [] })).toEqual({ kind: 'elements', elements: [] });
  });

  it.each([
    [{}, 'each "alerts" is missing from the payload'],
    [{ alerts: null }, 'each "alerts" is missing from the payload'],
    [{ alerts: { status: 'firing' } }, 'each "alerts" is an object, not an array'],
    [{ alerts: 'firing' }, 'each "alerts" is a string, not an array'],
    ['not json object', 'each "alerts" is missing from the payload'],
  ])('answers invalid for %j', (payload, detail) => {
    expect(run(document, payload)).toEqual({ kind: 'invalid', detail });
  });

  it('refuses more than 1000 elements without looking at them', () => {
    const alerts = Array.from({ length: 10_000 }, () => ({ status: 'firing', fingerprint: 'x'.repeat(100) }));
    expect(run(document, { alerts })).toEqual({
      kind: 'invalid',
      detail: 'each "alerts" holds 10000 elements; at most 1000 events per message',
    });
    const thousand = run(document, { alerts: alerts.slice(0, 1000) });
    expect(thousand.kind === 'elements' && thousand.elements).toHaveLength(1000);
  });
});

describe('applyMapping', () => {
  it('accepts a mapping that did not come from compileMapping, compiling it', () => {
    const mapping = { document: { rules: [{ field: 'a', exists: true, action: 'update' as const }] } };
    expect(applyMapping(mapping, { a: 1 }, CONTEXT)).toMatchObject({
      elements: [{ kind: 'event', action: 'update' }],
    });
  });
});

describe('request headers', () => {
  it('decide with $headers paths, and render them in templates', () => {
    const document: MappingDocument = {
      filters: [{ field: '$headers.x-github-event', equals: 'workflow_run' }],
      rules: [{ action: 'open', field: 'workflow_run.conclusion', equals: 'failure' }],
      title: '{{$headers.x-github-event}} failed',
    };
    const payload = { workflow_run: { conclusion: 'failure' } };
    const withHeaders = (headers: Record<string, string>) =>
      applyMapping(compileMapping(document), payload, { ...CONTEXT, headers });
    expect(withHeaders({ 'x-github-event': 'workflow_run' })).toMatchObject({
      kind: 'elements',
      elements: [{ kind: 'event', action: 'open', title: 'workflow_run failed' }],
    });
    expect(withHeaders({ 'x-github-event': 'push' })).toMatchObject({
      elements: [{ kind: 'filtered', rule: 'filters[0]' }],
    });
  });
});

describe('text PostgreSQL cannot store', () => {
  it('leaves NUL characters out of every rendered value', () => {
    const mapped = event(
      {
        rules: [{ action: 'open', field: 'status', equals: 'down' }],
        title: '{{title}}',
        dedupKey: '{{id}}',
      },
      JSON.parse('{"status":"down","title":"disk\\u0000full\\u0007","id":"a\\u0000b"}'),
    );
    expect(mapped.title).toBe('diskfull');
    expect([...mapped.title].every((c) => c.charCodeAt(0) >= 0x20)).toBe(true);
    expect(mapped.dedupKey).toBe('ab');
  });
});
