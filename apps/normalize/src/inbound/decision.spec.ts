import { DEFAULT_INCIDENT_POLICY, type HookReceivedV1 } from '@tocsin/contracts';
import { compileMapping, type MappingDocument } from '@tocsin/mapping';
import type { Integration } from '../integrations/integration.entity';
import { MappingsService } from '../integrations/mappings.service';
import { decide, decideWith } from './decision';

const INTEGRATION_ID = '0190d3c4-5d1e-7c3a-9f00-000000000001';

const ALERTS: MappingDocument = {
  each: 'alerts',
  rules: [
    { field: 'status', equals: 'firing', action: 'open' },
    { field: 'status', equals: 'resolved', action: 'close' },
  ],
  dedupKey: '{{fingerprint}}',
  title: '{{labels.alertname}}',
};

function integration(changes: Partial<Integration> = {}): Integration {
  return {
    id: INTEGRATION_ID,
    name: 'Prometheus',
    kind: 'alert',
    template: null,
    enabled: true,
    tokenHash: 'hash',
    mapping: ALERTS as unknown as Record<string, unknown>,
    signatureScheme: null,
    signingSecret: null,
    debugUntil: null,
    escalationPolicyId: null,
    serviceId: null,
    incidentPolicy: {},
    createdAt: new Date('2026-01-01T00:00:00Z'),
    updatedAt: new Date('2026-01-01T00:00:00Z'),
    ...changes,
  };
}

function hook(body: unknown): HookReceivedV1 {
  return {
    hookId: 'hook-1',
    integrationId: INTEGRATION_ID,
    receivedAt: '2026-01-01T00:00:01.000Z',
    contentType: 'application/json',
    headers: {},
    body: JSON.stringify(body),
  };
}

const PAYLOAD = {
  groupKey: '{}:{alertname="HighLatency"}',
  alerts: [
    { status: 'firing', fingerprint: 'f1', labels: { alertname: 'HighLatency', service: 'api' } },
    { status: 'firing', fingerprint: 'f2', labels: { alertname: 'HighLatency' } },
  ],
};

describe('decide', () => {
  const mappings = new MappingsService();

  it('publishes events without a group key when the mapping names none', () => {
    const { events } = decide(integration(), hook(PAYLOAD), mappings);
    expect(events).toHaveLength(2);
    for (const event of events) expect(event).not.toHaveProperty('groupKey');
    expect(events.map((e) => e.dedupKey)).toEqual(['f1', 'f2']);
  });

  it('puts the group key the mapping rendered on each event', () => {
    const grouped = integration({
      mapping: { ...ALERTS, groupKey: '{{$.groupKey}}' } as unknown as Record<string, unknown>,
      // A saved change moves updatedAt, which is what renews the compiled mapping.
      updatedAt: new Date('2026-01-02T00:00:00Z'),
    });
    const { events } = decide(grouped, hook(PAYLOAD), mappings);
    expect(events.map((e) => [e.dedupKey, e.groupKey])).toEqual([
      ['f1', '{}:{alertname="HighLatency"}'],
      ['f2', '{}:{alertname="HighLatency"}'],
    ]);
    const perService = integration({
      mapping: { ...ALERTS, groupKey: '{{labels.service}}' } as unknown as Record<string, unknown>,
      updatedAt: new Date('2026-01-03T00:00:00Z'),
    });
    const [first, second] = decide(perService, hook(PAYLOAD), mappings).events;
    expect(first.groupKey).toBe('api');
    expect(second).not.toHaveProperty('groupKey');
  });

  it('sends the default policy with the events of an integration that set none', () => {
    const { events } = decide(integration(), hook(PAYLOAD), mappings);
    for (const event of events) expect(event.policy).toEqual(DEFAULT_INCIDENT_POLICY);
  });

  it("sends the integration's policy, its fields over the defaults", () => {
    const { events } = decide(
      integration({ incidentPolicy: { reopenWindowMinutes: 30, pageOnNewAlert: true } }),
      hook(PAYLOAD),
      mappings,
    );
    for (const event of events) {
      expect(event.policy).toEqual({
        ...DEFAULT_INCIDENT_POLICY,
        reopenWindowMinutes: 30,
        pageOnNewAlert: true,
      });
    }
  });

  it('publishes nothing for a missing or disabled integration', () => {
    expect(decide(null, hook(PAYLOAD), mappings)).toMatchObject({ outcome: 'invalid', events: [] });
    expect(decide(integration({ enabled: false }), hook(PAYLOAD), mappings)).toMatchObject({
      outcome: 'ignored',
      events: [],
    });
  });
});

describe('decideWith', () => {
  it('runs a draft mapping with the policy it is given', () => {
    const policy = { ...DEFAULT_INCIDENT_POLICY, flapTransitions: 9 };
    const decision = decideWith(
      compileMapping({ ...ALERTS, groupKey: 'all' }),
      PAYLOAD,
      hook(PAYLOAD),
      policy,
    );
    expect(decision).toMatchObject({ outcome: 'accepted', rule: 'rules[0] (open)', dedupKey: 'f1' });
    expect(decision.events).toEqual([
      expect.objectContaining({ index: 0, dedupKey: 'f1', groupKey: 'all', policy }),
      expect.objectContaining({ index: 1, dedupKey: 'f2', groupKey: 'all', policy }),
    ]);
    expect(decision.rows.map((r) => r.outcome)).toEqual(['accepted', 'accepted']);
  });
});
