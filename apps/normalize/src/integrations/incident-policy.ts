import { DEFAULT_INCIDENT_POLICY, type IncidentPolicyInput, type IncidentPolicyV1 } from '@tocsin/contracts';

/** The fields of an incident policy an integration has set; DEFAULT_INCIDENT_POLICY gives the rest. */
export type StoredIncidentPolicy = Partial<IncidentPolicyV1>;

type PolicyField = keyof IncidentPolicyV1;

/** Every field of IncidentPolicyV1, each with the type its value has. */
const FIELDS: { [K in PolicyField]: 'number' | 'boolean' } = {
  reopenWindowMinutes: 'number',
  flapTransitions: 'number',
  flapWindowMinutes: 'number',
  flapQuietMinutes: 'number',
  pageOnNewAlert: 'boolean',
};

const NAMES = Object.keys(FIELDS) as PolicyField[];

/**
 * The policy in effect for an integration: each field it stored, DEFAULT_INCIDENT_POLICY's for the
 * fields it did not (so a changed default reaches every integration that never set that field).
 * Keys the policy does not know, and values of the wrong type, are left out.
 */
export function effectivePolicy(stored: StoredIncidentPolicy | null | undefined): IncidentPolicyV1 {
  const policy: IncidentPolicyV1 = { ...DEFAULT_INCIDENT_POLICY };
  if (typeof stored !== 'object' || stored === null) return policy;
  for (const name of NAMES) {
    const value: unknown = Object.prototype.hasOwnProperty.call(stored, name) ? stored[name] : undefined;
    if (typeof value === FIELDS[name]) Object.assign(policy, { [name]: value });
  }
  return policy;
}

/** The fields a request sets (those present and not undefined), to store over the ones stored. */
export function policyChanges(input: IncidentPolicyInput | null | undefined): StoredIncidentPolicy {
  const changes: StoredIncidentPolicy = {};
  if (typeof input !== 'object' || input === null) return changes;
  for (const name of NAMES) {
    const value: unknown = input[name];
    if (typeof value === FIELDS[name]) Object.assign(changes, { [name]: value });
  }
  return changes;
}
