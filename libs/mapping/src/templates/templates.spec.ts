import { applyMapping } from '../apply';
import { compileMapping } from '../compile';
import { ElementResult } from '../mapping.types';
import { IntegrationTemplate } from './integration-template';
import { TEMPLATES, findTemplate } from './templates';

/**
 * The incident lifecycle in miniature: one incident at most per dedup key. open on nothing opens,
 * open on an open incident appends, close/update/acknowledge act on an open incident and are
 * ignored otherwise.
 */
class Incidents {
  private readonly open = new Set<string>();

  apply(result: ElementResult): string {
    if (result.kind === 'ignored') return 'ignored';
    if (result.kind !== 'event') return `${result.kind}: ${result.detail}`;
    const isOpen = this.open.has(result.dedupKey);
    switch (result.action) {
      case 'open':
        this.open.add(result.dedupKey);
        return isOpen ? 'appended' : 'opened';
      case 'close':
        this.open.delete(result.dedupKey);
        return isOpen ? 'closed' : 'ignored';
      case 'update':
        return isOpen ? 'updated' : 'ignored';
      case 'acknowledge':
        return isOpen ? 'acknowledged' : 'ignored';
    }
  }
}

function elements(template: IntegrationTemplate, payload: unknown): ElementResult[] {
  const outcome = applyMapping(compileMapping(template.mapping), payload, { integrationId: 'int-1' });
  if (outcome.kind === 'invalid') throw new Error(`invalid: ${outcome.detail}`);
  return outcome.elements;
}

function keys(template: IntegrationTemplate, payload: unknown): string[] {
  return elements(template, payload).map((e) => (e.kind === 'event' ? e.dedupKey : `(${e.kind})`));
}

function step(name: string, index: number): unknown {
  const template = findTemplate(name);
  if (template === undefined) throw new Error(`no template ${name}`);
  return template.scenario[index]?.payload;
}

describe('templates', () => {
  it('has one template per name, found by name', () => {
    expect(TEMPLATES.map((t) => t.name)).toEqual([
      'bitrise',
      'bitbucket',
      'buildkite',
      'flic',
      'github-actions',
      'gitlab',
      'alertmanager',
      'grafana',
      'pagerduty',
      'generic',
    ]);
    for (const template of TEMPLATES) expect(findTemplate(template.name)).toBe(template);
    expect(findTemplate('nagios')).toBeUndefined();
  });

  describe.each(TEMPLATES.map((t) => [t.name, t] as const))('%s', (_name, template) => {
    it('compiles', () => {
      expect(() => compileMapping(template.mapping)).not.toThrow();
    });

    it('maps its sample payload to events with a key of their own', () => {
      const results = elements(template, template.sample);
      expect(results.length).toBeGreaterThan(0);
      for (const result of results) {
        // Templates keep one incident per dedup key: grouping is something a user turns on.
        expect(result).toMatchObject({ kind: 'event', dedupKeyFallback: false, groupKey: null });
      }
    });

    it('plays its scenario: opened, appended and closed at least', () => {
      const outcomes = template.scenario.flatMap((s) => s.expect);
      expect(outcomes).toEqual(expect.arrayContaining(['opened', 'appended', 'closed']));
    });

    it('gives each scenario step the outcomes it expects', () => {
      const incidents = new Incidents();
      for (const s of template.scenario) {
        const actual = elements(template, s.payload).map((result) => incidents.apply(result));
        expect({ step: s.description, outcomes: actual }).toEqual({
          step: s.description,
          outcomes: s.expect,
        });
      }
    });

    it('describes itself', () => {
      expect(template.title).not.toBe('');
      expect(template.description.length).toBeGreaterThan(40);
      expect(template.docsUrl).not.toBe('');
    });
  });

  it('keys Bitrise builds on app, workflow and branch', () => {
    const bitrise = findTemplate('bitrise') as IntegrationTemplate;
    expect(keys(bitrise, step('bitrise', 1))).toEqual(['bitrise:a3f7c2e91b0d4e56:deploy:main']);
    expect(keys(bitrise, step('bitrise', 3))).toEqual(['bitrise:a3f7c2e91b0d4e56:deploy:feature/login']);
  });

  it('keys Bitbucket statuses on repository and status key', () => {
    const bitbucket = findTemplate('bitbucket') as IntegrationTemplate;
    expect(keys(bitbucket, bitbucket.sample)).toEqual(['bitbucket:acme/checkout-api:ci-unit-tests']);
    expect(elements(bitbucket, bitbucket.sample)[0]).toMatchObject({
      title: 'Unit tests is FAILED on acme/checkout-api',
      service: 'checkout-api',
      rule: 'rules[0] "failed builds" (open)',
    });
  });

  it('keys both Buildkite shapes', () => {
    const buildkite = findTemplate('buildkite') as IntegrationTemplate;
    expect(keys(buildkite, buildkite.sample)).toEqual(['buildkite:checkout-api:main']);
    expect(keys(buildkite, step('buildkite', 6))).toEqual(['buildkite:event:bk-nightly-e2e']);
  });

  it('keys GitHub runs on repository, workflow and branch, and jobs on the job too', () => {
    const github = findTemplate('github-actions') as IntegrationTemplate;
    expect(keys(github, github.sample)).toEqual(['github:acme/checkout-api:CI:main:run']);
    expect(keys(github, step('github-actions', 6))).toEqual(['github:acme/checkout-api:CI:main:test']);
    expect(elements(github, github.sample)[0]).toMatchObject({ title: 'CI on main in acme/checkout-api' });
  });

  it('keys GitLab pipelines on the branch and deployments on the environment', () => {
    const gitlab = findTemplate('gitlab') as IntegrationTemplate;
    expect(keys(gitlab, gitlab.sample)).toEqual(['gitlab:acme/checkout-api:pipeline:main']);
    expect(keys(gitlab, step('gitlab', 5))).toEqual(['gitlab:acme/checkout-api:deployment:production']);
    expect(elements(gitlab, { object_kind: 'push', ref: 'refs/heads/main' })).toEqual([
      expect.objectContaining({ kind: 'filtered', rule: 'filters[0]' }),
    ]);
  });

  it('fans Alertmanager groups out per alert, keyed on the fingerprint, with severity from labels', () => {
    const alertmanager = findTemplate('alertmanager') as IntegrationTemplate;
    const results = elements(alertmanager, alertmanager.sample);
    expect(results).toEqual([
      expect.objectContaining({
        index: 0,
        dedupKey: 'alertmanager:1a30ba71cca2921f',
        title: 'High request latency on api-1:9100',
        severity: 'critical',
        service: 'checkout-api',
      }),
      expect.objectContaining({ index: 1, dedupKey: 'alertmanager:7c2e0b4d5f6a8193' }),
    ]);
    const withoutFingerprint = { alerts: [{ status: 'firing', labels: { alertname: 'Down', job: 'api' } }] };
    expect(keys(alertmanager, withoutFingerprint)).toEqual(['alertmanager:{"alertname":"Down","job":"api"}']);
  });

  it('keys Grafana alerts on the fingerprint', () => {
    const grafana = findTemplate('grafana') as IntegrationTemplate;
    expect(keys(grafana, grafana.sample)).toEqual(['grafana:c6eadffa33fcdf37', 'grafana:bc97ff14869b13e3']);
  });

  it('maps PagerDuty events without putting the routing key in the description', () => {
    const pagerduty = findTemplate('pagerduty') as IntegrationTemplate;
    const [result] = elements(pagerduty, pagerduty.sample);
    expect(result).toMatchObject({
      dedupKey: 'srv01/mysql-replication',
      title: 'Replication lag on srv01.example.com is 120 s',
      severity: 'critical',
      service: 'srv01.example.com',
    });
    expect(result?.kind === 'event' && result.description).not.toContain('R0UT1NGK3Y');
  });

  it('maps generic payloads by the first action field present', () => {
    const generic = findTemplate('generic') as IntegrationTemplate;
    expect(elements(generic, { state: 'ok', event_action: 'trigger', alias: 'a', summary: 's' })).toEqual([
      expect.objectContaining({
        action: 'open',
        dedupKey: 'a',
        title: 's',
        rule: 'rules[0] "problem" (open)',
      }),
    ]);
    expect(elements(generic, { status: 'down' })).toEqual([
      expect.objectContaining({ title: 'Untitled alert', dedupKeyFallback: true }),
    ]);
    expect(elements(generic, { status: 'weird' })).toEqual([
      expect.objectContaining({
        kind: 'unmapped',
        detail: 'no rule matched: status is "weird"',
      }),
    ]);
    expect(elements(generic, { hello: 'world' })).toEqual([
      expect.objectContaining({ detail: 'no rule matched: none of event_action, status, state is present' }),
    ]);
  });
});

describe('grouping a template', () => {
  it.each(['alertmanager', 'grafana'])(
    '%s groups the alerts of one notification once "groupKey": "{{$.groupKey}}" is added',
    (name) => {
      const template = findTemplate(name);
      if (!template) throw new Error(`no ${name} template`);
      const grouped = { ...template, mapping: { ...template.mapping, groupKey: '{{$.groupKey}}' } };
      const results = elements(grouped, template.sample);
      const groupKeys = results.map((r) => (r.kind === 'event' ? r.groupKey : null));
      expect(groupKeys.length).toBeGreaterThan(0);
      expect(new Set(groupKeys)).toEqual(new Set([(template.sample as { groupKey: string }).groupKey]));
      expect(keys(grouped, template.sample)).toEqual(keys(template, template.sample));
    },
  );
});
