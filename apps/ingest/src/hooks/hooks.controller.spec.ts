import { Logger } from '@nestjs/common';
import type { HookReceivedV1, IntegrationIndexEntryV1 } from '@tocsin/contracts';
import { HttpError } from '@tocsin/platform';
import type { FastifyRequest } from 'fastify';
import { createHmac } from 'node:crypto';
import { IngestSettings } from '@tocsin/config';
import type { Clock } from '../clock';
import { IngestLimitsService } from '../limits/ingest-limits.service';
import type { TokenIndexService } from '../tokens/token-index.service';
import { HookNotStoredError } from './hook-not-stored.exception';
import type { HookStoreService } from './hook-store.service';
import { HooksController } from './hooks.controller';

const NOW = new Date('2026-03-01T12:00:00Z');
const SECRET = 'shared-signing-secret';
const INTEGRATION: IntegrationIndexEntryV1 = {
  integrationId: '0b7c3d4e-8f9a-4b1c-9d2e-3f4a5b6c7d8e',
  kind: 'alert',
  enabled: true,
  signatureScheme: 'github',
  signingSecret: SECRET,
};

function setUp(integration: IntegrationIndexEntryV1 | null = INTEGRATION) {
  const stored: HookReceivedV1[] = [];
  const seen = new Set<string>();
  let failing = false;
  const tokens = { findEnabled: jest.fn(() => integration ?? undefined) } as unknown as TokenIndexService;
  const store = {
    store: jest.fn((hook: HookReceivedV1) => {
      if (failing)
        return Promise.reject(new HookNotStoredError(hook.hookId, { cause: new Error('timeout') }));
      const duplicate = seen.has(hook.hookId);
      seen.add(hook.hookId);
      if (!duplicate) stored.push(hook);
      return Promise.resolve({ duplicate });
    }),
  } as unknown as HookStoreService;
  const clock: Clock = { now: () => NOW };
  const controller = new HooksController(
    tokens,
    store,
    clock,
    new IngestLimitsService(new IngestSettings(), clock),
  );
  return {
    controller,
    stored,
    fail: () => {
      failing = true;
    },
  };
}

function request(body: string, headers: Record<string, string>): FastifyRequest {
  return {
    headers: { 'content-type': 'application/json', ...headers },
    body: Buffer.from(body),
  } as unknown as FastifyRequest;
}

function signed(body: string, extra: Record<string, string> = {}): FastifyRequest {
  const signature = createHmac('sha256', SECRET).update(body).digest('hex');
  return request(body, { 'x-hub-signature-256': `sha256=${signature}`, ...extra });
}

async function refusal(
  promise: Promise<unknown>,
): Promise<{ status: number; body: Record<string, unknown> }> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(HttpError);
    const e = error as HttpError;
    return { status: e.getStatus(), body: e.getResponse() as Record<string, unknown> };
  }
  throw new Error('the request was accepted');
}

describe('HooksController', () => {
  let warn: jest.SpyInstance;
  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => warn.mockRestore());

  it('stores a signed hook and answers its id', async () => {
    const { controller, stored } = setUp();
    const answer = await controller.receive(
      'token',
      signed('{"state":"FAILED"}', { 'x-github-event': 'status' }),
    );
    expect(answer).toEqual({ status: 'accepted', id: stored[0]?.hookId });
    expect(stored[0]).toMatchObject({
      integrationId: INTEGRATION.integrationId,
      receivedAt: NOW.toISOString(),
      body: '{"state":"FAILED"}',
      route: 'hooks',
      headers: { 'content-type': 'application/json', 'x-github-event': 'status' },
    });
  });

  it('refuses a bad signature with 401 and a reason, and logs it without secret or header value', async () => {
    const { controller, stored } = setUp();
    const forged = `sha256=${createHmac('sha256', 'guess').update('{}').digest('hex')}`;
    const r = await refusal(controller.receive('token', request('{}', { 'x-hub-signature-256': forged })));
    expect(r.status).toBe(401);
    expect(r.body).toEqual({
      error: 'unauthorized',
      message: 'the X-Hub-Signature-256 signature does not match the body; check the webhook secret',
    });
    expect(stored).toHaveLength(0);
    expect(warn).toHaveBeenCalledTimes(1);
    const logged = JSON.stringify(warn.mock.calls[0]);
    expect(logged).toContain(INTEGRATION.integrationId);
    expect(logged).toContain('mismatch');
    expect(logged).not.toContain(SECRET);
    expect(logged).not.toContain(forged.slice(7));
  });

  it('says when the signature is missing', async () => {
    const { controller } = setUp();
    const r = await refusal(controller.receive('token', request('{}', {})));
    expect(r.status).toBe(401);
    expect(r.body['message']).toMatch(/X-Hub-Signature-256 header is missing/);
  });

  it('checks the signature before it reads the body', async () => {
    const { controller } = setUp();
    expect((await refusal(controller.receive('token', request('{nope', {})))).status).toBe(401);
    expect((await refusal(controller.receive('token', signed('{nope')))).status).toBe(400);
  });

  it('needs no signature from an integration without a scheme', async () => {
    const { controller, stored } = setUp({
      integrationId: INTEGRATION.integrationId,
      kind: 'alert',
      enabled: true,
    });
    await controller.receive('token', request('{}', {}));
    expect(stored).toHaveLength(1);
  });

  it('answers 404 for a token of no enabled alert integration', async () => {
    const { controller } = setUp(null);
    expect((await refusal(controller.receive('token', signed('{}')))).status).toBe(404);
  });

  it('answers a retried delivery 202 with the same id and stores it once', async () => {
    const { controller, stored } = setUp();
    const first = await controller.receive('token', signed('{"a":1}', { 'x-github-delivery': 'gh-1' }));
    const again = await controller.receive('token', signed('{"a":1}', { 'x-github-delivery': 'gh-1' }));
    expect(again).toEqual(first);
    expect(stored).toHaveLength(1);
  });

  it('keeps every header, credentials masked, while the debug switch is on', async () => {
    const { controller, stored } = setUp({ ...INTEGRATION, debugUntil: '2026-03-01T13:00:00Z' });
    await controller.receive('token', signed('{}', { authorization: 'Bearer abc', 'x-trace': 't' }));
    expect(stored[0]?.headers).toMatchObject({
      authorization: '[redacted]',
      'x-trace': 't',
      'x-hub-signature-256': expect.stringMatching(/^sha256=/) as unknown,
    });
  });

  it('answers 503 with Retry-After when JetStream did not store the hook', async () => {
    const { controller, fail } = setUp();
    fail();
    try {
      await controller.receive('token', signed('{}'));
      throw new Error('accepted');
    } catch (error) {
      expect(error).toBeInstanceOf(HttpError);
      expect((error as HttpError).getStatus()).toBe(503);
      expect((error as HttpError).headers).toEqual({ 'Retry-After': '5' });
    }
  });
});
