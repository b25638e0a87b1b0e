import type { ContactMethodView, IncidentView, MaintenanceWindowView, UserView } from '@tocsin/contracts';
import { expectEventually } from '@tocsin/testing';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tocsin } from './support';

interface Problem {
  error: string;
  message: string;
  details?: string[];
}

interface ApiKeyView {
  id: string;
  name: string;
  role: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

type Role = 'admin' | 'responder' | 'read-only';

describe('api keys and roles over HTTP', () => {
  const tocsin = new Tocsin();
  /** Every credential this file makes; none may reach a log line. */
  const secrets: string[] = [];
  const keys = {} as Record<Role, ApiKeyView & { key: string }>;
  let incident: IncidentView;

  beforeAll(async () => {
    // debug: the most a log holds, so the most that could leak into one.
    await tocsin.start('api-keys', { LOG_LEVEL: 'debug' });
    secrets.push(tocsin.adminKey);
    for (const role of ['admin', 'responder', 'read-only'] as const) {
      const { status, body } = await tocsin.api('POST', '/v1/api-keys', { name: `${role} robot`, role });
      expect(status).toBe(201);
      keys[role] = body as ApiKeyView & { key: string };
      secrets.push(keys[role].key);
    }
    const integration = await tocsin.createIntegration('roles');
    secrets.push(integration.token);
    expect(
      (await tocsin.hook(integration.token, { status: 'firing', id: 'cpu', title: 'CPU hot' })).status,
    ).toBe(202);
    incident = await expectEventually(async () => {
      const [only] = await tocsin.incidents(`integrationId=${integration.id}`);
      expect(only).toBeDefined();
      return only;
    });
  }, 120_000);
  afterAll(() => tocsin.stop(), 60_000);

  const as = (role: Role, method: string, path: string, body?: unknown) =>
    tocsin.api(method, path, body, keys[role].key);

  it('shows a new key once: 256 random bits, stored only as its sha256', async () => {
    const { key, id, name, role, createdAt, lastUsedAt, revokedAt } = keys['read-only'];
    expect(key).toMatch(/^tck_[A-Za-z0-9_-]{43}$/);
    expect(new Set(Object.values(keys).map((k) => k.key)).size).toBe(3);
    expect({ name, role, lastUsedAt, revokedAt }).toEqual({
      name: 'read-only robot',
      role: 'read-only',
      lastUsedAt: null,
      revokedAt: null,
    });
    expect(Date.parse(createdAt)).not.toBeNaN();
    const [row] = await tocsin.sql<{ key_hash: string }>('SELECT key_hash FROM api.api_keys WHERE id = $1', [
      id,
    ]);
    expect(row?.key_hash).toBe(createHash('sha256').update(key).digest('hex'));
    const stored = JSON.stringify(await tocsin.sql('SELECT * FROM api.api_keys'));
    for (const k of Object.values(keys)) expect(stored).not.toContain(k.key);
  }, 30_000);

  it('refuses a key without a name, with an unknown role, or named admin, with the reasons', async () => {
    for (const [body, reason] of [
      [{ name: '', role: 'admin' }, /name must be longer than or equal to 1/],
      [{ name: 'x', role: 'root' }, /role must be one of read-only, responder, admin/],
      [{ name: 'x' }, /role must be one of/],
      [{ name: 'Admin', role: 'admin' }, /name "admin" is the TOCSIN_ADMIN_KEY/],
      [{ name: 'x'.repeat(101), role: 'admin' }, /name must be shorter than or equal to 100/],
      [{ name: 'x', role: 'admin', key: 'mine' }, /property key should not exist/],
    ] as const) {
      const { status, body: problem } = await tocsin.api('POST', '/v1/api-keys', body);
      expect(status).toBe(400);
      expect((problem as Problem).details).toEqual(expect.arrayContaining([expect.stringMatching(reason)]));
    }
  }, 30_000);

  it('lets read-only keys read and nothing else, naming the role each refusal needs', async () => {
    for (const path of ['/v1/incidents', `/v1/incidents/${incident.id}`, '/v1/integrations', '/v1/users'])
      expect((await as('read-only', 'GET', path)).status).toBe(200);
    const refusals: [string, string, unknown, string][] = [
      ['POST', `/v1/incidents/${incident.id}/acknowledge`, undefined, 'responder'],
      ['POST', `/v1/incidents/${incident.id}/notes`, { text: 'looking' }, 'responder'],
      ['POST', '/v1/maintenance-windows', {}, 'responder'],
      ['POST', '/v1/integrations', { name: 'nope', kind: 'alert' }, 'admin'],
      ['POST', '/v1/users', { name: 'x', email: 'x@example.com', timeZone: 'UTC' }, 'admin'],
      ['GET', '/v1/api-keys', undefined, 'admin'],
      ['POST', '/v1/api-keys', { name: 'escalate', role: 'admin' }, 'admin'],
    ];
    for (const [method, path, body, needed] of refusals) {
      const { status, body: problem } = await as('read-only', method, path, body);
      expect(status).toBe(403);
      expect(problem).toMatchObject({ error: 'forbidden' });
      expect((problem as Problem).message).toBe(
        `${method} ${path.replace(/[0-9a-f-]{36}/, ':id')} needs the ${needed} role; this key has read-only`,
      );
    }
  }, 30_000);

  it('lets responders act on incidents and maintenance windows but not change configuration', async () => {
    const noted = await as('responder', 'POST', `/v1/incidents/${incident.id}/notes`, { text: 'on it' });
    expect(noted.status).toBe(201);
    const acked = await as('responder', 'POST', `/v1/incidents/${incident.id}/acknowledge`);
    expect(acked.status).toBe(200);
    expect(acked.body).toMatchObject({ status: 'acknowledged' });
    const window = await as('responder', 'POST', '/v1/maintenance-windows', {
      service: 'checkout',
      startsAt: new Date(Date.now() + 3_600_000).toISOString(),
      endsAt: new Date(Date.now() + 7_200_000).toISOString(),
    });
    expect(window.status).toBe(201);
    expect(window.body).toMatchObject({ createdBy: 'api:responder robot' });
    const windowId = (window.body as MaintenanceWindowView).id;
    expect((await as('responder', 'DELETE', `/v1/maintenance-windows/${windowId}`)).status).toBe(204);
    expect((await as('responder', 'GET', '/v1/maintenance-windows')).status).toBe(200);

    for (const [method, path, body] of [
      ['POST', '/v1/integrations', { name: 'nope', kind: 'alert' }],
      ['POST', '/v1/teams', { name: 'nope' }],
      ['DELETE', `/v1/api-keys/${keys['read-only'].id}`, undefined],
    ] as const) {
      const { status, body: problem } = await as('responder', method, path, body);
      expect(status).toBe(403);
      expect((problem as Problem).message).toMatch(/needs the admin role; this key has responder$/);
    }
    const resolved = await as('responder', 'POST', `/v1/incidents/${incident.id}/resolve`);
    expect(resolved.status).toBe(200);
    expect(resolved.body).toMatchObject({ status: 'resolved' });
  }, 30_000);

  it('lets admin keys do everything, key management included', async () => {
    const team = await as('admin', 'POST', '/v1/teams', { name: 'Payments' });
    expect(team.status).toBe(201);
    const extra = await as('admin', 'POST', '/v1/api-keys', { name: 'made by a key', role: 'read-only' });
    expect(extra.status).toBe(201);
    const { key } = extra.body as { key: string };
    secrets.push(key);
    expect((await tocsin.api('GET', '/v1/templates', undefined, key)).status).toBe(200);
    expect((await as('admin', 'DELETE', `/v1/api-keys/${(extra.body as ApiKeyView).id}`)).status).toBe(204);
  }, 30_000);

  it('lists keys without the key or its hash, with when each was last used', async () => {
    const { status, body } = await tocsin.api('GET', '/v1/api-keys');
    expect(status).toBe(200);
    const items = (body as { items: ApiKeyView[] }).items;
    expect(items.map((k) => k.name)).toEqual(
      expect.arrayContaining(['admin robot', 'responder robot', 'read-only robot', 'made by a key']),
    );
    for (const item of items)
      expect(Object.keys(item).sort()).toEqual([
        'createdAt',
        'id',
        'lastUsedAt',
        'name',
        'revokedAt',
        'role',
      ]);
    const text = JSON.stringify(body);
    for (const secret of secrets) expect(text).not.toContain(secret);
    const hashes = await tocsin.sql<{ key_hash: string }>('SELECT key_hash FROM api.api_keys');
    for (const { key_hash } of hashes) expect(text).not.toContain(key_hash);
    expect(items.find((k) => k.name === 'responder robot')?.lastUsedAt).not.toBeNull();
    expect(items.find((k) => k.name === 'made by a key')?.revokedAt).not.toBeNull();
  }, 30_000);

  it('stops a revoked key at once with a 401, and answers 404 and 400 for ids that are not keys', async () => {
    const { id, key } = keys.responder;
    expect((await tocsin.api('GET', '/v1/incidents', undefined, key)).status).toBe(200);
    expect((await tocsin.api('DELETE', `/v1/api-keys/${id}`)).status).toBe(204);
    const after = await tocsin.api('GET', '/v1/incidents', undefined, key);
    expect(after.status).toBe(401);
    expect(after.headers.get('www-authenticate')).toBe('Bearer');
    expect((after.body as Problem).message).toBe('the api key is unknown or revoked');
    expect((await tocsin.api('DELETE', `/v1/api-keys/${id}`)).status).toBe(204);
    expect((await tocsin.api('DELETE', '/v1/api-keys/00000000-0000-4000-8000-000000000000')).status).toBe(
      404,
    );
    expect((await tocsin.api('DELETE', '/v1/api-keys/nope')).status).toBe(400);
    expect((await tocsin.api('GET', '/v1/incidents', undefined, null)).status).toBe(401);
    expect((await tocsin.api('GET', '/v1/incidents', undefined, 'tck_made-up')).status).toBe(401);
  }, 30_000);

  it('keeps the routes that take no api key open', async () => {
    const api = tocsin.fleet.url('api');
    expect((await fetch(`${api}/healthz`)).status).toBe(200);
    expect((await fetch(`${api}/readyz`)).status).toBe(200);
    expect((await fetch(`${api}/v1/actions/not-a-link`)).status).toBe(404);
    expect((await fetch(`${api}/ical/${'A'.repeat(43)}`)).status).toBe(404);
    const sms = await fetch(`${api}/v1/providers/twilio/sms`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'From=%2B14155550100&Body=1a',
    });
    expect(sms.status).not.toBe(401);
  }, 30_000);

  it('serves the OpenAPI document and its reference page without a key', async () => {
    const api = tocsin.fleet.url('api');
    const document = await fetch(`${api}/openapi.json`);
    expect(document.status).toBe(200);
    const body = (await document.json()) as { openapi: string; servers: { url: string }[]; paths: object };
    expect(body.openapi).toBe('3.1.0');
    expect(body.servers).toHaveLength(1);
    expect(Object.keys(body.paths)).toContain('/v1/incidents/{id}/acknowledge');
    const docs = await fetch(`${api}/docs`);
    expect(docs.status).toBe(200);
    expect(docs.headers.get('content-type')).toMatch(/^text\/html/);
    expect(docs.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(await docs.text()).toContain('/v1/incidents/{id}/acknowledge');
  }, 30_000);

  it('writes none of the keys, tokens and secrets it handled to any log', async () => {
    const user = await tocsin.api('POST', '/v1/users', {
      name: 'Log Reader',
      email: 'logs@example.com',
      timeZone: 'UTC',
    });
    expect(user.status).toBe(201);
    const method = await tocsin.api('POST', `/v1/users/${(user.body as UserView).id}/contact-methods`, {
      kind: 'webhook',
      address: 'https://hooks.example.com/tocsin',
    });
    expect(method.status).toBe(201);
    const secret = (method.body as ContactMethodView).secret;
    expect(secret).toBeTruthy();
    secrets.push(secret as string);
    // Failed requests log too: a bad key and a bad body, with credentials in them.
    await tocsin.api('GET', '/v1/incidents', undefined, `${keys.admin.key}x`);
    await tocsin.api('POST', '/v1/api-keys', { name: keys['read-only'].key, role: 'nope' });

    const dir = tocsin.fleet.logDir;
    const files = readdirSync(dir).filter((f) => f.endsWith('.log'));
    expect(files).toEqual(expect.arrayContaining(['api.log', 'ingest.log', 'normalize.log', 'notifier.log']));
    const logs = files.map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
    expect(logs).toMatch(/"service":"api".*"msg":"api listening on port/);
    expect(secrets.length).toBeGreaterThanOrEqual(7);
    for (const value of secrets) expect(logs.includes(value)).toBe(false);
  }, 30_000);
});
