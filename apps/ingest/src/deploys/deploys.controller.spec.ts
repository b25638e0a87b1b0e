import { Logger } from '@nestjs/common';
import type { DeployReceivedV1, IntegrationIndexEntryV1, ServiceAliasEntryV1 } from '@tocsin/contracts';
import type { FastifyRequest } from 'fastify';
import { IngestSettings } from '@tocsin/config';
import type { Clock } from '../clock';
import { IngestLimitsService } from '../limits/ingest-limits.service';
import type { TokenIndexService } from '../tokens/token-index.service';
import type { AliasIndexService } from './alias-index.service';
import { DeployNotStoredError } from './deploy-not-stored.exception';
import type { DeployStoreService } from './deploy-store.service';
import { DeploysController } from './deploys.controller';
import { OpsLevelException } from './opslevel.exception';

const NOW = new Date('2026-03-01T12:00:00Z');
const INTEGRATION: IntegrationIndexEntryV1 = {
  integrationId: '0b7c3d4e-8f9a-4b1c-9d2e-3f4a5b6c7d8e',
  kind: 'deploy',
  enabled: true,
};
const CHECKOUT: ServiceAliasEntryV1 = {
  serviceId: '1b7c3d4e-8f9a-4b1c-9d2e-3f4a5b6c7d8e',
  alias: 'checkout',
};

const DEPLOY = {
  service: 'checkout',
  description: 'v2',
  deployed_at: '2026-03-01 11:58:00',
  deployer: { email: 'ci@example.com' },
  dedup_id: 'run-1',
};

function setUp(integration: IntegrationIndexEntryV1 | null = INTEGRATION) {
  const stored: DeployReceivedV1[] = [];
  const seen = new Set<string>();
  let failing = false;
  const tokens = {
    findEnabled: jest.fn((_token: string, kind: string) =>
      integration?.kind === kind ? integration : undefined,
    ),
  } as unknown as TokenIndexService;
  const aliases = {
    lookup: jest.fn((alias: string) => (alias.toLowerCase() === 'checkout' ? CHECKOUT : undefined)),
  } as unknown as AliasIndexService;
  const store = {
    store: jest.fn((deploy: DeployReceivedV1) => {
      if (failing)
        return Promise.reject(new DeployNotStoredError(deploy.deployId, { cause: new Error('timeout') }));
      const key = `${deploy.integrationId}/${deploy.dedupId ?? deploy.deployId}`;
      const duplicate = seen.has(key);
      seen.add(key);
      if (!duplicate) stored.push(deploy);
      return Promise.resolve({ duplicate });
    }),
  } as unknown as DeployStoreService;
  const clock: Clock = { now: () => NOW };
  return {
    controller: new DeploysController(
      tokens,
      aliases,
      store,
      clock,
      new IngestLimitsService(new IngestSettings(), clock),
    ),
    stored,
    fail: () => {
      failing = true;
    },
  };
}

function request(body: unknown, headers: Record<string, string> = {}): FastifyRequest {
  return {
    headers: { 'content-type': 'application/json', ...headers },
    body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
  } as unknown as FastifyRequest;
}

async function refusal(promise: Promise<unknown>): Promise<OpsLevelException> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(OpsLevelException);
    return error as OpsLevelException;
  }
  throw new Error('the deploy was accepted');
}

describe('DeploysController', () => {
  let warn: jest.SpyInstance;
  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => warn.mockRestore());

  it('stores a deploy of a known alias and answers ok, with ids, integration and times filled in', async () => {
    const { controller, stored } = setUp();
    expect(await controller.receive('t', request(DEPLOY))).toEqual({ result: 'ok' });
    expect(stored).toEqual([
      {
        deployId: expect.any(String) as unknown,
        integrationId: INTEGRATION.integrationId,
        source: 'opslevel',
        receivedAt: NOW.toISOString(),
        service: 'checkout',
        description: 'v2',
        deployedAt: '2026-03-01T11:58:00.000Z',
        deployer: { email: 'ci@example.com' },
        dedupId: 'run-1',
      },
    ]);
  });

  it('stores a deploy of an unknown alias too, and says it files a suggestion', async () => {
    const { controller, stored } = setUp();
    expect(await controller.receive('t', request({ ...DEPLOY, service: 'cart' }))).toEqual({
      result: 'no_service_found',
      message: "No service found matching alias 'cart'. Recording 'cart' as a suggestion.",
    });
    expect(stored).toHaveLength(1);
  });

  it('answers duplicate_deploy when the store already held the dedup_id', async () => {
    const { controller, stored } = setUp();
    await controller.receive('t', request(DEPLOY));
    expect(await controller.receive('t', request({ ...DEPLOY, service: 'cart' }))).toEqual({
      result: 'duplicate_deploy',
      message: 'Deploy not created due to existing deploy with identical dedup_id',
    });
    expect(stored).toHaveLength(1);
  });

  it('answers 404 for a token of no enabled deploy integration, alert integrations included', async () => {
    const missing = await refusal(setUp(null).controller.receive('t', request(DEPLOY)));
    expect(missing).toMatchObject({ status: 404, errors: [{ status: 404, title: 'Not Found' }] });
    const alert = await refusal(
      setUp({ ...INTEGRATION, kind: 'alert' }).controller.receive('t', request(DEPLOY)),
    );
    expect(alert.status).toBe(404);
  });

  it('answers 400 in OpsLevel’s shape and stores nothing for an invalid deploy', async () => {
    const { controller, stored } = setUp();
    const error = await refusal(controller.receive('t', request({ ...DEPLOY, deployer: {} })));
    expect(error).toMatchObject({
      status: 400,
      errors: [
        {
          status: 400,
          title: 'Missing parameter',
          detail: 'param is missing or the value is empty: deployer.email or deployer.name',
        },
      ],
    });
    expect(stored).toEqual([]);
  });

  it('answers 503 with Retry-After when JetStream does not store the deploy', async () => {
    const { controller, fail } = setUp();
    fail();
    const error = await refusal(controller.receive('t', request(DEPLOY)));
    expect(error).toMatchObject({ status: 503, headers: { 'Retry-After': '5' }, errors: [{ status: 503 }] });
  });

  it('checks the signature of a signed deploy integration', async () => {
    const { controller } = setUp({ ...INTEGRATION, signatureScheme: 'gitlab-token', signingSecret: 'shh' });
    expect(await controller.receive('t', request(DEPLOY, { 'x-gitlab-token': 'shh' }))).toEqual({
      result: 'ok',
    });
    const error = await refusal(controller.receive('t', request(DEPLOY, { 'x-gitlab-token': 'nope' })));
    expect(error).toMatchObject({ status: 401, errors: [{ status: 401, title: 'Unauthorized' }] });
  });
});
