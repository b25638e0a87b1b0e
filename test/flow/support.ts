import type { AppName } from '@tocsin/config';
import type { InboundMessageView, IncidentView, IntegrationView, Page } from '@tocsin/contracts';
import {
  ServiceFleet,
  createTestInstallation,
  expectEventually,
  type TestInstallation,
  type TestServers,
} from '@tocsin/testing';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** A running installation: its six services and helpers to drive them over HTTP. */
export class Tocsin {
  readonly adminKey = randomBytes(24).toString('base64url');
  fleet!: ServiceFleet;
  installation!: TestInstallation;
  private pg?: Client;

  /**
   * Starts every service; `env` adds settings (SMTP_URL, TWILIO_*, …) for all of them. `servers`
   * puts the installation on a test's own NATS and PostgreSQL; `replicas` runs apps as several
   * processes.
   */
  async start(
    tag: string,
    env: Record<string, string> = {},
    options: { servers?: TestServers; replicas?: Partial<Record<AppName, number>> } = {},
  ): Promise<void> {
    this.installation = await createTestInstallation(tag, options.servers);
    this.fleet = new ServiceFleet(
      {
        NATS_URL: this.installation.natsUrl,
        DATABASE_URL: this.installation.databaseUrl,
        TOCSIN_PREFIX: this.installation.prefix,
        TOCSIN_ADMIN_KEY: this.adminKey,
        LOG_LEVEL: 'info',
        ...env,
      },
      this.installation.prefix,
    );
    // The services that own schemas migrate at start; start them before those that call them.
    await this.fleet.startAll(
      ['normalize', 'incident-state', 'deploy-tracker', 'notifier'],
      options.replicas,
    );
    await this.fleet.startAll(['ingest', 'api'], options.replicas);
  }

  async stop(): Promise<void> {
    await this.fleet?.stopAll();
    await this.pg?.end();
    await this.installation?.cleanup();
  }

  /** A request to the api, with the admin key unless `key` names another (`null`: no key). */
  async api(
    method: string,
    path: string,
    body?: unknown,
    key: string | null = this.adminKey,
  ): Promise<{ status: number; body: unknown; headers: Headers }> {
    const response = await fetch(`${this.fleet.url('api')}${path}`, {
      method,
      headers: {
        ...(key !== null ? { authorization: `Bearer ${key}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null, headers: response.headers };
  }

  async createIntegration(
    name: string,
    fields: Record<string, unknown> = {},
  ): Promise<IntegrationView & { token: string }> {
    const { status, body } = await this.api('POST', '/v1/integrations', { name, kind: 'alert', ...fields });
    if (status !== 201) throw new Error(`create integration answered ${status}: ${JSON.stringify(body)}`);
    return body as IntegrationView & { token: string };
  }

  async incidents(query = ''): Promise<IncidentView[]> {
    const items: IncidentView[] = [];
    let cursor: string | null = null;
    do {
      const sep = query ? '&' : '';
      const { status, body } = await this.api(
        'GET',
        `/v1/incidents?${query}${sep}limit=500${cursor ? `&cursor=${cursor}` : ''}`,
      );
      if (status !== 200) throw new Error(`list incidents answered ${status}: ${JSON.stringify(body)}`);
      const page = body as Page<IncidentView>;
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return items;
  }

  /** Posts a webhook to ingest the way a producer does. */
  async hook(
    token: string,
    body: string | object,
    headers: Record<string, string> = { 'content-type': 'application/json' },
  ): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
    const response = await fetch(`${this.fleet.url('ingest')}/hooks/${token}`, {
      method: 'POST',
      headers,
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return {
      status: response.status,
      body: JSON.parse(text) as Record<string, unknown>,
      headers: response.headers,
    };
  }

  /** Any request to ingest, answered with its status and JSON body. */
  async ingest(
    path: string,
    body: string | object,
    headers: Record<string, string> = { 'content-type': 'application/json' },
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${this.fleet.url('ingest')}${path}`, {
      method: 'POST',
      headers,
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  /** One entry of an integration's inbound log, once it has left `accepted`. */
  async settled(integrationId: string, hookId: string): Promise<InboundMessageView> {
    return expectEventually(async () => {
      const { status, body } = await this.api('GET', `/v1/integrations/${integrationId}/inbound/${hookId}`);
      expect(status).toBe(200);
      const entry = body as InboundMessageView;
      expect(entry.outcome).not.toBe('accepted');
      return entry;
    });
  }

  /** Reads the installation's database, for assertions on what services stored. */
  async sql<T = Record<string, unknown>>(query: string, params: unknown[] = []): Promise<T[]> {
    if (!this.pg) {
      this.pg = new Client({ connectionString: this.installation.databaseUrl });
      await this.pg.connect();
    }
    return (await this.pg.query(query, params)).rows as T[];
  }
}
