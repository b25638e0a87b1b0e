import { plainToInstance, Type, type ClassConstructor } from 'class-transformer';
import { IsInt, IsOptional, IsString, Min, ValidateIf, ValidateNested, validateSync } from 'class-validator';
import { compileCheck } from './compiled-check';
import { DeployReceivedV1, DeployRecordedV1 } from './deploys';
import { Envelope, parseEnvelope, type MessageType } from './envelope';
import * as contracts from './index';
import {
  EventNormalizedV1,
  HookOutcomesV1,
  HookOutcomeV1,
  HookReceivedV1,
  IncidentChanged,
  IncidentChangedV1,
  NotificationResultV1,
} from './messages';

const uuid = '0190e5a4-0000-7000-8000-000000000001';
const at = '2026-12-06T10:00:00.000Z';

/** A valid payload of every message contract, each optional field present. */
const SAMPLES: [ClassConstructor<object>, unknown][] = [
  [
    Envelope,
    { id: 'm-1', type: 'hook.received', version: 1, occurredAt: at, correlationId: 'm-1', payload: {} },
  ],
  [
    HookReceivedV1,
    {
      hookId: 'h-1',
      integrationId: uuid,
      receivedAt: at,
      contentType: 'application/json',
      headers: { 'user-agent': 'Alertmanager/0.25.0' },
      body: '{"status":"firing"}',
      route: 'hooks',
    },
  ],
  [
    EventNormalizedV1,
    {
      hookId: 'h-1',
      index: 0,
      integrationId: uuid,
      action: 'open',
      dedupKey: 'db-1/disk',
      groupKey: 'db-1',
      title: 'Disk full',
      description: 'on /var',
      severity: 'critical',
      service: 'checkout',
      receivedAt: at,
      escalationPolicyId: uuid,
      policy: {
        reopenWindowMinutes: 10,
        flapTransitions: 5,
        flapWindowMinutes: 30,
        flapQuietMinutes: 30,
        pageOnNewAlert: false,
      },
    },
  ],
  [
    HookOutcomeV1,
    { hookId: 'h-1', index: 0, integrationId: uuid, outcome: 'invalid', detail: 'no rule matched' },
  ],
  [
    HookOutcomesV1,
    {
      integrationId: uuid,
      outcomes: [
        { hookId: 'h-1', index: 0, integrationId: uuid, outcome: 'opened', incidentId: uuid, detail: 'ok' },
        { hookId: 'h-2', index: 1, integrationId: uuid, outcome: 'appended' },
      ],
    },
  ],
  [
    IncidentChangedV1,
    {
      change: 'appended',
      incident: {
        id: uuid,
        number: 42,
        integrationId: uuid,
        dedupKey: 'db-1/disk',
        status: 'acknowledged',
        title: 'Disk full',
        severity: 'warning',
        alertCount: 3,
        openedAt: at,
        acknowledgedAt: at,
        resolvedAt: null,
        lastEventAt: at,
        groupKey: 'db-1',
        service: 'checkout',
        environment: 'production',
        description: 'on /var',
        escalationPolicyId: uuid,
      },
      hookId: 'h-1',
      actor: 'hook:h-1',
      page: true,
      held: 'flapping',
      alert: { dedupKey: 'db-1/disk', status: 'firing', count: 2, flapping: true },
      detail: 'a new alert',
    },
  ],
  [
    NotificationResultV1,
    {
      deliveryId: uuid,
      incidentId: uuid,
      notice: 'page',
      userId: uuid,
      channel: 'email',
      status: 'sent',
      attempts: 1,
      error: 'none',
    },
  ],
  [
    DeployReceivedV1,
    {
      deployId: uuid,
      integrationId: uuid,
      source: 'opslevel',
      receivedAt: at,
      service: 'checkout',
      serviceId: uuid,
      description: 'v1.2.3',
      environment: 'production',
      deployedAt: at,
      deployer: { email: 'ada@example.com', name: 'Ada', id: 'u1' },
      deployUrl: 'https://ci.example.com/1',
      deployNumber: '17',
      dedupId: 'd-17',
      commit: { sha: 'abc', message: 'fix', branch: 'main', date: at, authoringDate: at },
      links: [{ href: 'https://example.com', text: 'run' }],
    },
  ],
  [
    DeployRecordedV1,
    {
      deployId: uuid,
      serviceId: uuid,
      integrationId: uuid,
      service: 'checkout',
      environment: 'production',
      deployNumber: '17',
      deployedAt: at,
      commitSha: 'abc',
    },
  ],
];

/**
 * What class-validator says, the way parseEnvelope asks it. Only an object gets that far (the
 * envelope is checked to be one, and its payload too).
 */
function classValidatorAccepts(cls: ClassConstructor<object>, value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const instance = plainToInstance(cls, value);
  return validateSync(instance, { forbidUnknownValues: true }).length === 0;
}

const long = (n: number, unit = 'x') => unit.repeat(n);

/** Values that each break, or just pass, some rule: types, bounds, formats, shapes. */
const REPLACEMENTS: unknown[] = [
  undefined,
  null,
  '',
  'x',
  ' ',
  ...[99, 100, 101, 199, 200, 201, 254, 255, 256, 1023, 1024, 1025, 1999, 2000, 2001, 2048, 2049].map((n) =>
    long(n),
  ),
  // Code points, not UTF-16 units, are what the length rules count.
  long(100, '😀'),
  long(101, '😀'),
  long(255, '😀'),
  long(256, '😀'),
  '\u0000',
  "'; DROP TABLE incidents; --",
  0,
  -1,
  1,
  1.5,
  2,
  1000,
  1001,
  1440,
  1441,
  10080,
  10081,
  Number.MAX_SAFE_INTEGER,
  1e21,
  true,
  false,
  [],
  [null],
  ['x'],
  [{}],
  [[{}]],
  {},
  { __proto__: { polluted: true } },
  uuid.toUpperCase(),
  '0190e5a4-0000-7000-8000-00000000000',
  '0190e5a4000070008000000000000001',
  '2026-12-06',
  '2026-12-06T10:00:00Z',
  '2026-12-06T10:00:00+01:00',
  '2026-02-30T10:00:00Z',
  '2026-12-06 10:00:00',
  ' 2026-12-06T10:00:00Z',
  'opened',
  'open',
  'critical',
  'firing',
  'page',
  'email',
  'sent',
  'hooks',
  'pagerduty',
  'opslevel',
  'maintenance',
];

/** Every path to a value inside a sample (object keys, array indexes), the sample itself first. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const found: (string | number)[][] = [prefix];
  if (Array.isArray(value)) value.forEach((item, i) => found.push(...paths(item, [...prefix, i])));
  else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) found.push(...paths(item, [...prefix, key]));
  }
  return found;
}

function replaced(sample: unknown, path: (string | number)[], replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const copy = structuredClone(sample) as Record<string | number, unknown>;
  let holder = copy;
  for (const step of path.slice(0, -1)) holder = holder[step] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (replacement === undefined && !Array.isArray(holder)) delete holder[last];
  else holder[last] = structuredClone(replacement);
  return copy;
}

/** Broken and unbroken copies of a sample: every path given every replacement, and longer lists. */
function variants(sample: unknown): unknown[] {
  const all: unknown[] = [sample];
  for (const path of paths(sample)) {
    for (const replacement of REPLACEMENTS) all.push(replaced(sample, path, replacement));
  }
  for (const path of paths(sample)) {
    const list = path.reduce<unknown>((v, step) => (v as Record<string | number, unknown>)[step], sample);
    if (!Array.isArray(list) || list.length === 0) continue;
    const items = list as unknown[];
    for (const length of [20, 21, 256, 257]) {
      all.push(
        replaced(
          sample,
          path,
          Array.from({ length }, (_, i) => items[i % items.length]),
        ),
      );
    }
  }
  // Keys no rule names, and the ones that reach prototypes, as JSON.parse makes them.
  all.push(JSON.parse(`{"__proto__":{"x":1},"constructor":"x",${JSON.stringify(sample).slice(1)}`));
  return all;
}

describe('compiled checks of the message contracts', () => {
  it('has a sample of every message type', () => {
    const messageTypes = (Object.values(contracts) as unknown[]).filter(
      (value): value is MessageType<object> =>
        typeof value === 'object' &&
        value !== null &&
        'type' in value &&
        'version' in value &&
        'payload' in value,
    );
    expect(messageTypes.length).toBeGreaterThanOrEqual(8);
    const sampled = new Set(SAMPLES.map(([cls]) => cls));
    expect(messageTypes.filter((t) => !sampled.has(t.payload)).map((t) => t.type)).toEqual([]);
  });

  it.each(SAMPLES.map(([cls, sample]) => [cls.name, cls, sample] as const))(
    '%s: never accepts what class-validator refuses, and accepts what it accepts',
    (_name, cls, sample) => {
      const check = compileCheck(cls);
      expect(check).not.toBeNull();
      let accepted = 0;
      let refused = 0;
      const disagreements: string[] = [];
      for (const value of variants(sample)) {
        const expected = classValidatorAccepts(cls, value);
        const actual = (check as (v: unknown) => boolean)(value);
        if (actual !== expected) {
          disagreements.push(
            `${JSON.stringify(value)?.slice(0, 300)}: compiled ${actual}, class-validator ${expected}`,
          );
        }
        if (expected) accepted++;
        else refused++;
      }
      expect(disagreements).toEqual([]);
      // The variants exercise both verdicts, plenty of each.
      expect(accepted).toBeGreaterThan(20);
      expect(refused).toBeGreaterThan(100);
    },
  );

  it('leaves to class-validator what it cannot be sure to agree with', () => {
    class Conditional {
      @IsString()
      kind: string;

      @ValidateIf((o: Conditional) => o.kind === 'timed')
      @IsInt()
      seconds?: number;
    }
    expect(compileCheck(Conditional)).toBeNull();

    // A class nesting one that has no check has none either.
    class Holder {
      @ValidateNested()
      @Type(() => Conditional)
      inner: Conditional;
    }
    expect(compileCheck(Holder)).toBeNull();
  });

  it('checks a class that nests itself', () => {
    class Node {
      @IsInt()
      @Min(0)
      depth: number;

      @IsOptional()
      @ValidateNested()
      @Type(() => Node)
      next?: Node;
    }
    const check = compileCheck(Node) as (v: unknown) => boolean;
    expect(check({ depth: 0, next: { depth: 1, next: { depth: 2 } } })).toBe(true);
    expect(check({ depth: 0, next: { depth: 1, next: { depth: -2 } } })).toBe(false);
    expect(classValidatorAccepts(Node, { depth: 0, next: { depth: 1, next: { depth: -2 } } })).toBe(false);
  });

  it('lets parseEnvelope hand over the message as decoded, and still give reasons for a bad one', () => {
    const [, payload] = SAMPLES.find(([cls]) => cls === IncidentChangedV1) as [unknown, object];
    const raw = {
      id: 'm-1',
      type: 'incident.changed',
      version: 1,
      occurredAt: at,
      correlationId: 'm-1',
      payload,
    };
    expect(parseEnvelope(IncidentChanged, raw)).toBe(raw);
    const broken = {
      ...raw,
      payload: { ...payload, incident: { ...(payload as IncidentChangedV1).incident, number: 0 } },
    };
    expect(() => parseEnvelope(IncidentChanged, broken)).toThrow(
      'invalid incident.changed message: payload.incident.number: number must not be less than 1',
    );
  });
});
