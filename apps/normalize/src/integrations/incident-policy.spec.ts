import {
  CreateIntegrationRequest,
  DEFAULT_INCIDENT_POLICY,
  IncidentPolicyInput,
  IncidentPolicyV1,
  UpdateIntegrationRequest,
} from '@tocsin/contracts';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { effectivePolicy, policyChanges } from './incident-policy';

const ID = '0190d3c4-5d1e-7c3a-9f00-000000000001';

/** The validation errors of a request as the request handlers see it (whitelisted, nested). */
function errorsOf<T extends object>(type: new () => T, plain: object): string[] {
  const errors = validateSync(plainToInstance(type, plain), { whitelist: true, forbidNonWhitelisted: true });
  const messages: string[] = [];
  const walk = (list: typeof errors, at: string): void => {
    for (const error of list) {
      const where = `${at}${error.property}`;
      for (const message of Object.values(error.constraints ?? {})) messages.push(`${where}: ${message}`);
      walk(error.children ?? [], `${where}.`);
    }
  };
  walk(errors, '');
  return messages;
}

describe('effectivePolicy', () => {
  it('is the default for an integration that set nothing', () => {
    expect(effectivePolicy({})).toEqual(DEFAULT_INCIDENT_POLICY);
    expect(effectivePolicy(null)).toEqual(DEFAULT_INCIDENT_POLICY);
    expect(effectivePolicy(undefined)).toEqual(DEFAULT_INCIDENT_POLICY);
  });

  it('takes each stored field over the default', () => {
    expect(effectivePolicy({ reopenWindowMinutes: 15, pageOnNewAlert: true })).toEqual({
      ...DEFAULT_INCIDENT_POLICY,
      reopenWindowMinutes: 15,
      pageOnNewAlert: true,
    });
    expect(effectivePolicy({ reopenWindowMinutes: 0, pageOnNewAlert: false })).toEqual(
      DEFAULT_INCIDENT_POLICY,
    );
  });

  it('leaves out unknown keys and values of the wrong type', () => {
    const stored = {
      flapTransitions: '9',
      pageOnNewAlert: 1,
      extra: 'x',
    } as unknown as Partial<IncidentPolicyV1>;
    expect(effectivePolicy(stored)).toEqual(DEFAULT_INCIDENT_POLICY);
  });

  it('never hands out the default itself', () => {
    const policy = effectivePolicy({});
    policy.flapTransitions = 99;
    expect(DEFAULT_INCIDENT_POLICY.flapTransitions).toBe(5);
  });
});

describe('policyChanges', () => {
  it('keeps the fields a request set, and no others', () => {
    const input = plainToInstance(IncidentPolicyInput, { flapWindowMinutes: 10, pageOnNewAlert: false });
    expect(policyChanges(input)).toEqual({ flapWindowMinutes: 10, pageOnNewAlert: false });
    expect(policyChanges(plainToInstance(IncidentPolicyInput, {}))).toEqual({});
    expect(policyChanges(null)).toEqual({});
    expect(policyChanges(undefined)).toEqual({});
  });
});

describe('incidentPolicy in integration requests', () => {
  const create = { name: 'Prometheus', kind: 'alert' };

  it('accepts every field at its bounds', () => {
    for (const incidentPolicy of [
      {
        reopenWindowMinutes: 0,
        flapTransitions: 2,
        flapWindowMinutes: 1,
        flapQuietMinutes: 1,
        pageOnNewAlert: true,
      },
      {
        reopenWindowMinutes: 7 * 24 * 60,
        flapTransitions: 1000,
        flapWindowMinutes: 24 * 60,
        flapQuietMinutes: 24 * 60,
        pageOnNewAlert: false,
      },
      {},
    ]) {
      expect(errorsOf(CreateIntegrationRequest, { ...create, incidentPolicy })).toEqual([]);
      expect(errorsOf(UpdateIntegrationRequest, { id: ID, incidentPolicy })).toEqual([]);
    }
  });

  it('has the bounds of IncidentPolicyV1', () => {
    const valid = (type: new () => object, policy: object): boolean =>
      errorsOf(type, { ...DEFAULT_INCIDENT_POLICY, ...policy }).length === 0;
    const cases: object[] = [
      { reopenWindowMinutes: -1 },
      { reopenWindowMinutes: 7 * 24 * 60 + 1 },
      { flapTransitions: 1 },
      { flapTransitions: 1001 },
      { flapWindowMinutes: 0 },
      { flapWindowMinutes: 24 * 60 + 1 },
      { flapQuietMinutes: 0 },
      { flapQuietMinutes: 24 * 60 + 1 },
      { flapTransitions: 2.5 },
      { pageOnNewAlert: 'yes' },
      { reopenWindowMinutes: 0, flapTransitions: 2, flapWindowMinutes: 1, flapQuietMinutes: 1 },
    ];
    for (const policy of cases) {
      expect({ policy, valid: valid(IncidentPolicyInput, policy) }).toEqual({
        policy,
        valid: valid(IncidentPolicyV1, policy),
      });
    }
  });

  it('names the field that is out of bounds, and refuses unknown ones', () => {
    expect(errorsOf(UpdateIntegrationRequest, { id: ID, incidentPolicy: { flapTransitions: 1 } })).toEqual([
      'incidentPolicy.flapTransitions: flapTransitions must not be less than 2',
    ]);
    expect(errorsOf(CreateIntegrationRequest, { ...create, incidentPolicy: { reopenWindow: 5 } })).toEqual([
      'incidentPolicy.reopenWindow: property reopenWindow should not exist',
    ]);
  });

  it('must be an object; null resets a PATCH to the defaults', () => {
    expect(errorsOf(CreateIntegrationRequest, { ...create, incidentPolicy: [] })).not.toEqual([]);
    expect(errorsOf(CreateIntegrationRequest, { ...create, incidentPolicy: 5 })).not.toEqual([]);
    expect(errorsOf(UpdateIntegrationRequest, { id: ID, incidentPolicy: null })).toEqual([]);
  });
});
