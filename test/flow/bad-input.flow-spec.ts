import { APP_NAMES, type AppName } from '@tocsin/config';
import { expectEventually } from '@tocsin/testing';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { Tocsin } from './support';

const FIXTURES = join(__dirname, '../fixtures/bad-input');
const fixture = (name: string): Buffer => readFileSync(join(FIXTURES, name));

const JSON_HEADERS = { 'content-type': 'application/json' };
/** Short HTTP timeouts for this installation, so that slow clients are cut within the test's time. */
const REQUEST_TIMEOUT_MS = 4_000;
const HEADERS_TIMEOUT_MS = 3_000;

/** What a slow client saw: the bytes the server answered, when the connection closed, what it sent. */
interface SlowClient {
  answer: string;
  closedAfterMs: number;
  bytesSent: number;
}

/**
 * Opens a raw connection, writes `head` at once, then `body` one byte every `intervalMs`, and
 * resolves when the server closes the connection (or after `giveUpMs`, with what came by then).
 */
function slowClient(
  url: string,
  head: string,
  body: string,
  intervalMs: number,
  giveUpMs: number,
): Promise<SlowClient> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const started = Date.now();
    let answer = '';
    let bytesSent = 0;
    const socket = connect(Number(port), hostname, () => {
      socket.write(head);
      timer = setInterval(() => {
        if (bytesSent < body.length && socket.writable) socket.write(body[bytesSent++]);
      }, intervalMs);
    });
    let timer: NodeJS.Timeout | undefined;
    const giveUp = setTimeout(() => socket.destroy(), giveUpMs);
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(timer);
      clearTimeout(giveUp);
      resolve({ answer, closedAfterMs: Date.now() - started, bytesSent });
    });
  });
}
/**
 * Sends a request over a raw connection in 64 KiB pieces and stops sending once the server has
 * answered, as a producer that reads while it writes would: a server that refuses a body by its
 * declared length answers before the body is in and stops reading, and a client that only writes
 * (fetch) may see its write fail before it reads the answer.
 */
function readingWhileSending(url: string, headers: Record<string, string>, body: Buffer): Promise<Answer> {
  const { hostname, port, pathname, search } = new URL(url);
  const head = [
    `POST ${pathname}${search} HTTP/1.1`,
    `host: ${hostname}:${port}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
    `content-length: ${body.length}`,
    'connection: close',
    '',
    '',
  ].join('\r\n');
  return new Promise((resolve, reject) => {
    let received = Buffer.alloc(0);
    const socket = connect(Number(port), hostname, () => {
      socket.write(head);
      const next = (at: number): void => {
        if (received.length > 0 || at >= body.length || !socket.writable) return;
        socket.write(body.subarray(at, at + 65_536), () => next(at + 65_536));
      };
      next(0);
    });
    const giveUp = setTimeout(() => socket.destroy(new Error('no answer within 20 s')), 20_000);
    socket.on('data', (chunk: Buffer) => (received = Buffer.concat([received, chunk])));
    // A write the server no longer reads fails; the answer it sent before is what counts.
    socket.on('error', (error) => {
      if (received.length === 0) reject(error);
    });
    socket.on('close', () => {
      clearTimeout(giveUp);
      const text = received.toString();
      const split = text.indexOf('\r\n\r\n');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]);
      if (split < 0 || !status) {
        reject(new Error(`no HTTP answer: ${JSON.stringify(text.slice(0, 200))}`));
        return;
      }
      const answer = text.slice(split + 4);
      let json: unknown = null;
      try {
        json = JSON.parse(answer);
      } catch {
        // not JSON: the assertions say so
      }
      resolve({ status, text: answer, json });
    });
  });
}

/** Bodies above this are sent by `readingWhileSending`: every route's limit is at most 1 MiB. */
const OVER_THE_LIMITS = 1024 * 1024;

const APPS: readonly AppName[] = APP_NAMES;

/** The answer to one raw request: status, text and the JSON it holds (null when it holds none). */
interface Answer {
  status: number;
  text: string;
  json: unknown;
}

/** Hand-written nesting, deeper than JSON.stringify can go. */
function nested(depth: number, inner = '1'): string {
  return `${'{"n":'.repeat(depth)}${inner}${'}'.repeat(depth)}`;
}

/** A JSON document of about `bytes` bytes. */
function oversized(bytes: number): string {
  return JSON.stringify({ status: 'firing', id: 'oversized', pad: 'x'.repeat(bytes) });
}

describe('bad input: every route answers hostile bodies with a 4xx and a reason, and loses nothing', () => {
  const tocsin = new Tocsin();
  let hookToken: string;
  let hookIntegrationId: string;
  let enqueueToken: string;
  let deployToken: string;
  let pids: Map<AppName, number | undefined>;
  /** Dedup keys of valid webhooks sent between the bad ones: each must become an incident. */
  const valid: string[] = [];

  beforeAll(async () => {
    await tocsin.start('bad-input', {
      HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
    });
    pids = new Map(APPS.map((app) => [app, tocsin.fleet.services.get(app)?.process.pid]));
    const generic = await tocsin.createIntegration('bad input');
    hookToken = generic.token;
    hookIntegrationId = generic.id;
    enqueueToken = (await tocsin.createIntegration('bad input pd', { template: 'pagerduty' })).token;
    deployToken = (await tocsin.createIntegration('bad input deploys', { kind: 'deploy' })).token;
  }, 120_000);
  afterAll(() => tocsin.stop(), 60_000);

  async function raw(
    app: 'ingest' | 'api',
    path: string,
    body: string | Buffer,
    headers: Record<string, string> = JSON_HEADERS,
  ): Promise<Answer> {
    const all = app === 'api' ? { authorization: `Bearer ${tocsin.adminKey}`, ...headers } : headers;
    if (Buffer.byteLength(body) > OVER_THE_LIMITS) {
      return readingWhileSending(`${tocsin.fleet.url(app)}${path}`, all, Buffer.from(body));
    }
    const response = await fetch(`${tocsin.fleet.url(app)}${path}`, {
      method: 'POST',
      headers: all,
      body,
      signal: AbortSignal.timeout(20_000),
    });
    const text = await response.text();
    let json: unknown = null;
    try {
      json = JSON.parse(text);
    } catch {
      // not JSON: the assertions below say so
    }
    return { status: response.status, text, json };
  }

  /** Sends one valid webhook; it must be accepted and, by the end, be an incident. */
  async function validAlongside(): Promise<void> {
    const id = `valid-${valid.length}`;
    const answer = await tocsin.hook(hookToken, { status: 'firing', id, title: `valid ${id}` });
    expect(answer.status).toBe(202);
    valid.push(id);
  }

  /** A 4xx whose JSON body says why, in more than a word. */
  function expectRefused(answer: Answer, status: number, reason?: RegExp): void {
    expect({ status: answer.status, text: answer.text.slice(0, 500) }).toMatchObject({ status });
    expect(answer.json).not.toBeNull();
    expect(answer.text.length).toBeGreaterThan(20);
    if (reason) expect(answer.text).toMatch(reason);
  }

  const paths = {
    hooks: () => `/hooks/${hookToken}`,
    enqueue: () => '/v2/enqueue',
    deploys: () => `/deploys/${deployToken}`,
  };
  /** The enqueue route carries its token in the body, so its bodies are built around it. */
  const withKey = (route: keyof typeof paths, text: string): string =>
    route === 'enqueue' ? text.replace(/^\{/, `{"routing_key":"${enqueueToken}",`) : text;

  describe.each(Object.keys(paths) as (keyof typeof paths)[])('ingest %s', (route) => {
    const send = (body: string | Buffer, headers?: Record<string, string>) =>
      raw('ingest', paths[route](), body, headers);

    afterEach(() => validAlongside(), 20_000);

    it('refuses malformed JSON (malformed.body)', async () => {
      expectRefused(await send(withKey(route, fixture('malformed.body').toString())), 400);
    }, 20_000);

    it('refuses truncated JSON (truncated.body)', async () => {
      expectRefused(await send(fixture('truncated.body')), 400);
    }, 20_000);

    it('refuses an empty body', async () => {
      expectRefused(await send(''), 400);
    }, 20_000);

    it('refuses a content type it cannot read with 415', async () => {
      expectRefused(await send('<alert status="firing"/>', { 'content-type': 'application/xml' }), 415);
    }, 20_000);

    it('refuses a body over the 1 MiB limit with 413', async () => {
      expectRefused(await send(withKey(route, oversized(2 * 1024 * 1024))), 413);
    }, 20_000);

    it('refuses invalid UTF-8 (invalid-utf8.body)', async () => {
      const body = fixture('invalid-utf8.body');
      expectRefused(await send(route === 'enqueue' ? Buffer.concat([Buffer.from(' '), body]) : body), 400);
    }, 20_000);

    it('refuses a raw NUL byte inside a string (nul-raw.body)', async () => {
      expectRefused(await send(withKey(route, fixture('nul-raw.body').toString('latin1'))), 400);
    }, 20_000);
  });

  describe('ingest /hooks', () => {
    afterEach(() => validAlongside(), 20_000);

    it('accepts a body without a content type, read as JSON', async () => {
      const body = Buffer.from('{"status":"firing","id":"no-type"}');
      const answer = await raw('ingest', `/hooks/${hookToken}`, body, {});
      expect(answer.status).toBe(202);
      valid.push('no-type');
    }, 20_000);

    it('answers 404 to an unknown token and to a rotated one', async () => {
      expectRefused(await raw('ingest', '/hooks/not-a-token', '{"status":"firing"}'), 404);
      const integration = await tocsin.createIntegration('rotated');
      const rotated = await tocsin.api('POST', `/v1/integrations/${integration.id}/rotate-token`);
      expect(rotated.status).toBe(200);
      await expectEventually(async () =>
        expectRefused(await raw('ingest', `/hooks/${integration.token}`, '{"status":"firing"}'), 404),
      );
    }, 20_000);

    it('answers 401 to forged and missing GitHub signatures', async () => {
      const secret = 'bad input secret';
      const integration = await tocsin.createIntegration('signed', { signing: { scheme: 'github', secret } });
      const body = '{"status":"firing","id":"signed"}';
      const path = `/hooks/${integration.token}`;
      expectRefused(await raw('ingest', path, body), 401);
      const forged = `sha256=${createHmac('sha256', 'not the secret').update(body).digest('hex')}`;
      expectRefused(await raw('ingest', path, body, { ...JSON_HEADERS, 'x-hub-signature-256': forged }), 401);
      expectRefused(
        await raw('ingest', path, body, { ...JSON_HEADERS, 'x-hub-signature-256': 'sha256=zz' }),
        401,
      );
    }, 20_000);

    it('settles 100,000 levels of nesting with a defined outcome', async () => {
      const deep = `{"status":"firing","id":"deep","deep":${nested(100_000)}}`;
      const answer = await raw('ingest', `/hooks/${hookToken}`, deep);
      expect(answer.status).toBe(202);
      const entry = await tocsin.settled(hookIntegrationId, (answer.json as { id: string }).id);
      expect({ outcome: entry.outcome, detail: entry.detail }).toEqual({ outcome: 'opened', detail: null });
    }, 60_000);

    it('settles a huge array and a huge string with a defined outcome', async () => {
      const array = JSON.stringify({ status: 'firing', id: 'array', items: new Array(150_000).fill(0) });
      const big = await raw('ingest', `/hooks/${hookToken}`, array);
      expect(big.status).toBe(202);
      const entry = await tocsin.settled(hookIntegrationId, (big.json as { id: string }).id);
      expect(entry.outcome).toBe('opened');

      const title = 't'.repeat(900_000);
      const long = await raw(
        'ingest',
        `/hooks/${hookToken}`,
        JSON.stringify({ status: 'firing', id: 'long', title }),
      );
      expect(long.status).toBe(202);
      const longEntry = await tocsin.settled(hookIntegrationId, (long.json as { id: string }).id);
      expect({ outcome: longEntry.outcome, detail: longEntry.detail }).toEqual({
        outcome: 'opened',
        detail: null,
      });
      const incident = (await tocsin.incidents()).find((i) => i.dedupKey === 'long');
      // Titles are cut to 1024 characters.
      expect(incident?.title.length).toBe(1024);
      expect(title.startsWith(incident!.title.slice(0, 1000))).toBe(true);
    }, 60_000);

    it('treats __proto__ and constructor keys as plain data (prototype-keys.body)', async () => {
      const answer = await raw('ingest', `/hooks/${hookToken}`, fixture('prototype-keys.body'));
      expect(answer.status).toBe(202);
      const entry = await tocsin.settled(hookIntegrationId, (answer.json as { id: string }).id);
      // Nothing leaked from the prototype: the document has no status or id of its own.
      expect(entry.outcome).toBe('unmapped');
    }, 30_000);

    it('settles an escaped NUL in a mapped field (nul-escaped.body)', async () => {
      const answer = await raw('ingest', `/hooks/${hookToken}`, fixture('nul-escaped.body'));
      expect(answer.status).toBe(202);
      const entry = await tocsin.settled(hookIntegrationId, (answer.json as { id: string }).id);
      expect({ outcome: entry.outcome, detail: entry.detail }).toEqual({ outcome: 'opened', detail: null });
      const incident = (await tocsin.incidents()).find((i) => i.dedupKey === 'nul-escaped');
      // PostgreSQL text cannot hold NUL: the title is stored without it.
      expect(incident?.title).toBe('ab');
    }, 30_000);

    it.each([
      ['SQL', "'; DROP TABLE incidents; --"],
      ['SQL union', `" OR 1=1 UNION SELECT password FROM users --`],
      ['mustache', '{{constructor.constructor("return process")()}}'],
      ['template literal', '${process.exit(1)}'],
      ['handlebars', '{{#each this}}{{@key}}{{/each}} <script>alert(1)</script>'],
    ])(
      'stores %s injection in a mapped field verbatim',
      async (name, title) => {
        const id = `inject-${name.replace(/\W/g, '-')}`;
        const answer = await tocsin.hook(hookToken, { status: 'firing', id, title });
        expect(answer.status).toBe(202);
        const incident = await expectEventually(async () => {
          const found = (await tocsin.incidents()).find((i) => i.dedupKey === id);
          expect(found).toBeDefined();
          return found!;
        });
        expect(incident.title).toBe(title);
      },
      30_000,
    );
  });

  describe('api', () => {
    const integration = (body: string | Buffer, headers?: Record<string, string>) =>
      raw('api', '/v1/integrations', body, headers);

    it('refuses malformed and truncated JSON', async () => {
      expectRefused(await integration(fixture('malformed.body')), 400);
      expectRefused(await integration(fixture('truncated.body')), 400);
      expectRefused(await raw('api', '/v1/users', '{"name":"x",'), 400);
    }, 20_000);

    it('refuses a wrong content type and a missing one', async () => {
      const body = JSON.stringify({ name: 'typed', kind: 'alert' });
      expectRefused(await integration(body, { 'content-type': 'application/xml' }), 415);
      // text/plain reaches validation as a string, not an object: 400 from validation.
      expectRefused(await integration(body, { 'content-type': 'text/plain' }), 400);
      // fetch labels a string body text/plain; a Buffer goes without any content type.
      expectRefused(await integration(Buffer.from(body), {}), 415);
    }, 20_000);

    it('refuses a body over its limit with 413', async () => {
      const body = JSON.stringify({ name: 'big', kind: 'alert', pad: 'x'.repeat(2 * 1024 * 1024) });
      expectRefused(await integration(body), 413);
    }, 20_000);

    it('refuses 100,000 levels of nesting', async () => {
      expectRefused(
        await integration(`{"name":"deep","kind":"alert","mapping":${nested(100_000)}}`),
        400,
        /deeper/,
      );
    }, 20_000);

    it('refuses huge arrays and strings with a reason', async () => {
      const rules = new Array(50_000).fill({ action: 'open', field: 'status', equals: 'down' });
      expectRefused(
        await integration(JSON.stringify({ name: 'many', kind: 'alert', mapping: { rules } })),
        413,
      );
      expectRefused(
        await integration(JSON.stringify({ name: 'n'.repeat(10_000), kind: 'alert' })),
        400,
        /name/,
      );
      expectRefused(
        await raw(
          'api',
          '/v1/users',
          JSON.stringify({ name: 'n'.repeat(10_000), email: 'a@b.io', timeZone: 'UTC' }),
        ),
        400,
        /name/,
      );
    }, 20_000);

    it('refuses __proto__ keys and treats constructor as an unknown field', async () => {
      expectRefused(await integration(fixture('prototype-keys.body')), 400, /__proto__/);
      const ctor = '{"name":"ctor","kind":"alert","constructor":{"prototype":{"admin":true}}}';
      const answer = await integration(ctor);
      expect(answer.status).toBeLessThan(500);
    }, 20_000);

    it('refuses invalid UTF-8 and NUL bytes', async () => {
      expectRefused(await integration(fixture('invalid-utf8.body')), 400, /UTF-8/);
      expectRefused(await integration('{"name":"a\u0000b","kind":"alert"}'), 400);
    }, 20_000);

    it('refuses an escaped NUL in a name with a 400 and the reason', async () => {
      const escaped = await integration('{"name":"a\\u0000b","kind":"alert"}');
      expectRefused(escaped, 400, /NUL character \(at name\)/);
    }, 20_000);

    it('refuses a catastrophic regular expression in a mapping, naming the rule', async () => {
      const mapping = { rules: [{ action: 'open', field: 'message', matches: '(a+)+$' }] };
      expectRefused(
        await integration(JSON.stringify({ name: 'redos', kind: 'alert', mapping })),
        400,
        /rules\[0\]\.matches/,
      );
    }, 20_000);

    it('refuses invalid users with a reason', async () => {
      expectRefused(
        await raw('api', '/v1/users', JSON.stringify({ name: 'x', email: 'nope', timeZone: 'UTC' })),
        400,
        /email/,
      );
      expectRefused(
        await raw(
          'api',
          '/v1/users',
          JSON.stringify({ name: 'x', email: 'a@b.io', timeZone: 'Mars/Olympus' }),
        ),
        400,
        /timeZone/,
      );
    }, 20_000);
  });

  describe('slow clients (slow-loris)', () => {
    const body = JSON.stringify({ status: 'firing', id: 'slow', title: 'sent one byte at a time' });
    const request = (app: 'ingest' | 'api'): { path: string; auth: string } =>
      app === 'ingest'
        ? { path: `/hooks/${hookToken}`, auth: '' }
        : { path: '/v1/integrations', auth: `Authorization: Bearer ${tocsin.adminKey}\r\n` };

    /** The connection was answered 408 with a JSON reason and closed, within the timeout and a check interval. */
    function expectCut(client: SlowClient, limitMs: number): void {
      const [head, json] = client.answer.split('\r\n\r\n');
      expect(head.split('\r\n')[0]).toBe('HTTP/1.1 408 Request Timeout');
      expect(JSON.parse(json ?? 'null')).toMatchObject({
        error: 'request_timeout',
        message: expect.stringMatching(/without pauses/),
      });
      expect(client.closedAfterMs).toBeGreaterThanOrEqual(limitMs - 200);
      // Node looks for late requests once a second.
      expect(client.closedAfterMs).toBeLessThan(limitMs + 2_500);
    }

    it.each(['ingest', 'api'] as const)(
      '%s cuts a body sent byte by byte with 408 while valid webhooks go through',
      async (app) => {
        const { path, auth } = request(app);
        const head =
          `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${auth}Content-Type: application/json\r\n` +
          `Content-Length: ${body.length}\r\n\r\n`;
        const slow = slowClient(tocsin.fleet.url(app), head, body, 100, 30_000);
        // Meanwhile the door stays open to everyone else.
        for (let i = 0; i < 3; i += 1) {
          await validAlongside();
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
        const client = await slow;
        expectCut(client, REQUEST_TIMEOUT_MS);
        // Cut before the body was complete: at one byte per 100 ms it needed several seconds more.
        expect(client.bytesSent).toBeLessThan(body.length);
        await validAlongside();
      },
      30_000,
    );

    it.each(['ingest', 'api'] as const)(
      '%s cuts headers that never end with 408',
      async (app) => {
        const { path } = request(app);
        const client = await slowClient(
          tocsin.fleet.url(app),
          `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n`,
          'X-Slow: ' + 'a'.repeat(1_000),
          100,
          30_000,
        );
        expectCut(client, HEADERS_TIMEOUT_MS);
        await validAlongside();
      },
      30_000,
    );
  });

  it('restarted no service, and every valid webhook sent alongside became an incident', async () => {
    for (const app of APPS) {
      const service = tocsin.fleet.services.get(app);
      expect({ app, pid: service?.process.pid, exit: service?.process.exitCode }).toEqual({
        app,
        pid: pids.get(app),
        exit: null,
      });
      const ready = await fetch(`${tocsin.fleet.url(app)}/readyz`);
      expect({ app, status: ready.status }).toEqual({ app, status: 200 });
    }
    await expectEventually(
      async () => {
        const keys = new Set((await tocsin.incidents()).map((i) => i.dedupKey));
        expect(valid.filter((id) => !keys.has(id))).toEqual([]);
      },
      { timeoutMs: 30_000 },
    );
    expect(valid.length).toBeGreaterThan(20);
  }, 60_000);
});
