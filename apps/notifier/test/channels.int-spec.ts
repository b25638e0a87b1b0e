import { createHmac, timingSafeEqual } from 'node:crypto';
import { generateVAPIDKeys } from 'web-push';
import { ProviderError, type Notice } from '../src/channels/channel';
import { SmtpChannel } from '../src/channels/email/smtp.channel';
import { SmsChannel } from '../src/channels/twilio/sms.channel';
import { TwilioClient } from '../src/channels/twilio/twilio.client';
import { VoiceChannel } from '../src/channels/twilio/voice.channel';
import { WebPushChannel, type PushPayload } from '../src/channels/web-push/web-push.channel';
import { SlackChannel, WebhookChannel, type WebhookBody } from '../src/channels/webhook/webhook.channel';
import { HttpReceiver, PushSubscriber, SmtpReceiver, verifyVapid } from '@tocsin/testing';

const notice = (overrides: Partial<Notice> = {}): Notice => ({
  kind: 'page',
  incident: {
    id: '01900000-0000-7000-8000-000000000042',
    number: 42,
    title: 'Checkout <API> down & "failing"',
    severity: 'critical',
    status: 'triggered',
    openedAt: '2026-11-21T10:00:00.000Z',
    service: 'checkout',
    description: 'p99 above 2s\nfor 5 minutes',
    alertCount: 3,
  },
  links: {
    view: 'http://tocsin.test/incidents/42',
    acknowledge: 'http://tocsin.test/a/ack-token',
    resolve: 'http://tocsin.test/a/resolve-token',
  },
  replyCode: '7',
  deliveryId: 'delivery-1',
  ...overrides,
});

/** Runs `promise`, which must fail with a ProviderError, and returns the error. */
async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

describe('channels against local servers that speak each protocol', () => {
  describe('email over SMTP', () => {
    let smtp: SmtpReceiver;
    beforeAll(async () => {
      smtp = await new SmtpReceiver().start();
    });
    afterAll(() => smtp.stop());

    it('logs in and delivers a message with a plain-text and an HTML body', async () => {
      const channel = new SmtpChannel({ url: smtp.url, from: 'Tocsin <pages@tocsin.test>' });
      const sent = await channel.send({ kind: 'email', address: 'oncall@example.com' }, notice());
      channel.close();
      expect(sent.providerMessageId).toMatch(/^<.+@.+>$/);
      const { envelopeTo, mail } = smtp.messages.at(-1) as (typeof smtp.messages)[number];
      expect(envelopeTo).toEqual(['oncall@example.com']);
      expect(mail.from?.value).toEqual([{ name: 'Tocsin', address: 'pages@tocsin.test' }]);
      expect(mail.subject).toBe('Incident: #42 [critical] Checkout <API> down & "failing"');
      expect(mail.headers.get('x-tocsin-delivery')).toBe('delivery-1');
      expect(mail.headers.get('auto-submitted')).toBe('auto-generated');
      expect(mail.text).toContain('Acknowledge: http://tocsin.test/a/ack-token');
      expect(mail.text).toContain('Resolve: http://tocsin.test/a/resolve-token');
      expect(mail.text).toContain('Service: checkout');
      expect(mail.html).toContain('href="http://tocsin.test/a/ack-token"');
      // The title is escaped in HTML, never markup.
      expect(mail.html).toContain('Checkout &lt;API&gt; down &amp; &quot;failing&quot;');
      expect(mail.html).not.toContain('<API>');
    });

    it('says a refused recipient is permanent and a deferred one is worth retrying', async () => {
      smtp.refuse.set('gone@example.com', 550).set('busy@example.com', 451);
      const channel = new SmtpChannel({ url: smtp.url });
      const gone = await failure(channel.send({ kind: 'email', address: 'gone@example.com' }, notice()));
      expect(gone).toMatchObject({ transient: false, status: 550 });
      const busy = await failure(channel.send({ kind: 'email', address: 'busy@example.com' }, notice()));
      expect(busy).toMatchObject({ transient: true, status: 451 });
      channel.close();
    });

    it('fails for good on a wrong password, and says so', async () => {
      const channel = new SmtpChannel({ url: smtp.url.replace(smtp.password, 'wrong') });
      const error = await failure(channel.send({ kind: 'email', address: 'oncall@example.com' }, notice()));
      expect(error.transient).toBe(false);
      expect(error.message).toMatch(/mail server/);
      channel.close();
    });

    it('refuses to send when email is off', async () => {
      const error = await failure(new SmtpChannel({}).send({ kind: 'email', address: 'a@b.c' }, notice()));
      expect(error.message).toBe('email is off: SMTP_URL is not set');
    });
  });

  describe('SMS and voice through the Twilio REST API', () => {
    let twilio: HttpReceiver;
    let client: TwilioClient;
    const sid = 'AC0123456789abcdef0123456789abcdef';
    const token = 'twilio-auth-token';
    beforeAll(async () => {
      twilio = await new HttpReceiver().start();
      client = new TwilioClient({
        baseUrl: twilio.url,
        accountSid: sid,
        authToken: token,
        from: '+15005550006',
        timeoutMs: 500,
      });
    });
    afterAll(() => twilio.stop());
    beforeEach(() => {
      twilio.answer = (request, response) => {
        const resource = request.path.endsWith('/Calls.json') ? 'CA' : 'SM';
        response
          .writeHead(201, { 'content-type': 'application/json' })
          .end(JSON.stringify({ sid: `${resource}123` }));
      };
    });

    /** Checks what Twilio checks: the path, basic auth with the account's credentials, a form body. */
    function form(resource: string): URLSearchParams {
      const request = twilio.received.at(-1);
      expect(request?.method).toBe('POST');
      expect(request?.path).toBe(`/2010-04-01/Accounts/${sid}/${resource}.json`);
      expect(request?.headers.authorization).toBe(
        `Basic ${Buffer.from(`${sid}:${token}`).toString('base64')}`,
      );
      expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded');
      return new URLSearchParams(request?.body.toString());
    }

    it('sends an SMS with the headline, the reply codes and the acknowledge link', async () => {
      const sent = await new SmsChannel(client).send({ kind: 'sms', address: '+14155550100' }, notice());
      expect(sent.providerMessageId).toBe('SM123');
      const fields = form('Messages');
      expect(fields.get('To')).toBe('+14155550100');
      expect(fields.get('From')).toBe('+15005550006');
      const body = fields.get('Body') as string;
      expect(body).toContain('#42 [critical] Checkout <API> down');
      expect(body).toContain('Reply 7a to acknowledge, 7c to resolve, 7e to escalate.');
      expect(body.endsWith('http://tocsin.test/a/ack-token')).toBe(true);
      expect(body.length).toBeLessThanOrEqual(320);
    });

    it('keeps a long title within two SMS segments, links intact', async () => {
      const long = notice();
      long.incident = { ...long.incident, title: 'x'.repeat(2000) };
      await new SmsChannel(client).send({ kind: 'sms', address: '+14155550100' }, long);
      const body = form('Messages').get('Body') as string;
      expect(body.length).toBeLessThanOrEqual(320);
      expect(body.endsWith('http://tocsin.test/a/ack-token')).toBe(true);
    });

    it('calls with the message spoken from TwiML, escaped', async () => {
      const sent = await new VoiceChannel(client).send({ kind: 'voice', address: '+14155550100' }, notice());
      expect(sent.providerMessageId).toBe('CA123');
      const fields = form('Calls');
      expect(fields.get('To')).toBe('+14155550100');
      const twiml = fields.get('Twiml') as string;
      expect(twiml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?><Response><Say>/);
      expect(twiml).toContain(
        'Tocsin incident 42, critical: Checkout &lt;API&gt; down &amp; &quot;failing&quot;.',
      );
      expect(twiml.match(/<Say>/g)).toHaveLength(2);
    });

    it("reports Twilio's refusal as permanent, with Twilio's reason", async () => {
      twilio.answer = (_request, response) => {
        response.writeHead(400, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            code: 21211,
            message: "The 'To' number is not a valid phone number.",
            status: 400,
          }),
        );
      };
      const error = await failure(new SmsChannel(client).send({ kind: 'sms', address: '+1' }, notice()));
      expect(error).toMatchObject({ transient: false, status: 400 });
      expect(error.message).toBe(
        "Twilio answered 400: The 'To' number is not a valid phone number. (code 21211)",
      );
    });

    it('reports 429 with its Retry-After, 503, a timeout and a closed port as transient', async () => {
      twilio.answer = (_request, response) => {
        response.writeHead(429, { 'retry-after': '30' }).end('{"message":"Too Many Requests"}');
      };
      await expect(
        failure(new SmsChannel(client).send({ kind: 'sms', address: '+14155550100' }, notice())),
      ).resolves.toMatchObject({
        transient: true,
        status: 429,
        retryAfterMs: 30_000,
      });
      twilio.answer = (_request, response) => {
        response.writeHead(503).end();
      };
      await expect(
        failure(new SmsChannel(client).send({ kind: 'sms', address: '+14155550100' }, notice())),
      ).resolves.toMatchObject({
        transient: true,
        status: 503,
      });
      twilio.answer = () => undefined; // never answers
      const slow = await failure(
        new SmsChannel(client).send({ kind: 'sms', address: '+14155550100' }, notice()),
      );
      expect(slow).toMatchObject({
        transient: true,
        message: 'Twilio could not be reached: no answer in time',
      });
      const closed = new TwilioClient({
        baseUrl: 'http://127.0.0.1:9',
        accountSid: sid,
        authToken: token,
        from: '+15005550006',
      });
      await expect(
        failure(new SmsChannel(closed).send({ kind: 'sms', address: '+14155550100' }, notice())),
      ).resolves.toMatchObject({
        transient: true,
      });
    });

    it('refuses to send when Twilio is not configured', async () => {
      const off = new SmsChannel(new TwilioClient({ baseUrl: twilio.url }));
      expect(off.configured).toBe(false);
      const error = await failure(off.send({ kind: 'sms', address: '+14155550100' }, notice()));
      expect(error.message).toMatch(/^SMS is off/);
    });
  });

  describe('Web Push with VAPID', () => {
    let push: HttpReceiver;
    const vapid = generateVAPIDKeys();
    const options = {
      publicKey: vapid.publicKey,
      privateKey: vapid.privateKey,
      subject: 'mailto:ops@tocsin.test',
    };
    beforeAll(async () => {
      push = await new HttpReceiver().start();
    });
    afterAll(() => push.stop());

    it('posts a payload that only the subscription can decrypt, with a VAPID token the push service accepts', async () => {
      push.answer = (_request, response) => {
        response.writeHead(201, { location: `${push.url}/messages/m-1` }).end();
      };
      const browser = new PushSubscriber(`${push.url}/push/sub-1`);
      const sent = await new WebPushChannel(options).send(
        { kind: 'push', address: browser.endpoint, subscription: browser.subscription },
        notice(),
      );
      expect(sent.providerMessageId).toBe(`${push.url}/messages/m-1`);
      const request = push.received.at(-1);
      expect(request?.path).toBe('/push/sub-1');
      expect(request?.headers['content-encoding']).toBe('aes128gcm');
      expect(request?.headers['urgency']).toBe('high');
      expect(Number(request?.headers['ttl'])).toBeGreaterThan(0);
      verifyVapid(request?.headers.authorization, {
        publicKey: vapid.publicKey,
        audience: push.url,
        subject: 'mailto:ops@tocsin.test',
      });
      const payload = JSON.parse(browser.decrypt(request?.body as Buffer)) as PushPayload;
      expect(payload).toMatchObject({
        title: '#42 [critical] Checkout <API> down & "failing"',
        incidentId: '01900000-0000-7000-8000-000000000042',
        kind: 'page',
        links: { acknowledge: 'http://tocsin.test/a/ack-token' },
      });
      // Another subscription's keys cannot read it.
      expect(() => new PushSubscriber(browser.endpoint).decrypt(request?.body as Buffer)).toThrow();
    });

    it('says a subscription that is gone (410) is permanent', async () => {
      push.answer = (_request, response) => {
        response.writeHead(410).end('unsubscribed');
      };
      const browser = new PushSubscriber(`${push.url}/push/sub-2`);
      const error = await failure(
        new WebPushChannel(options).send(
          { kind: 'push', address: browser.endpoint, subscription: browser.subscription },
          notice(),
        ),
      );
      expect(error).toMatchObject({
        transient: false,
        status: 410,
        gone: true,
        message: 'the push service answered 410: unsubscribed',
      });
    });

    it('refuses a subscription with broken keys', async () => {
      const error = await failure(
        new WebPushChannel(options).send(
          {
            kind: 'push',
            address: `${push.url}/x`,
            subscription: { endpoint: `${push.url}/x`, keys: { p256dh: 'AAAA', auth: 'AAAA' } },
          },
          notice(),
        ),
      );
      expect(error.transient).toBe(false);
      expect(error.message).toMatch(/^the push subscription cannot be used/);
    });
  });

  describe('outgoing webhooks', () => {
    let hook: HttpReceiver;
    beforeAll(async () => {
      hook = await new HttpReceiver().start();
    });
    afterAll(() => hook.stop());

    it('posts signed JSON that a receiver verifies with the shared secret', async () => {
      hook.answer = (_request, response) => {
        response.writeHead(204).end();
      };
      const secret = 'whsec_0123456789';
      await new WebhookChannel(10_000, () => 1_700_000_000_000).send(
        { kind: 'webhook', address: `${hook.url}/tocsin`, secret },
        notice({ kind: 'acknowledged', actor: 'api:alice' }),
      );
      const request = hook.received.at(-1);
      const timestamp = request?.headers['x-tocsin-timestamp'] as string;
      expect(timestamp).toBe('1700000000');
      expect(request?.headers['x-tocsin-delivery']).toBe('delivery-1');
      const expected = Buffer.from(
        `v1=${createHmac('sha256', secret).update(`${timestamp}.${request?.body.toString()}`).digest('hex')}`,
      );
      const given = Buffer.from(request?.headers['x-tocsin-signature'] as string);
      expect(given.length === expected.length && timingSafeEqual(given, expected)).toBe(true);
      const body = JSON.parse(request?.body.toString() ?? '') as WebhookBody;
      expect(body).toMatchObject({
        type: 'incident.acknowledged',
        actor: 'api:alice',
        incident: { number: 42 },
      });
    });

    it('reports a receiver that fails as transient and one that refuses as permanent', async () => {
      hook.answer = (_request, response) => {
        response.writeHead(500).end('oops');
      };
      const destination = { kind: 'webhook' as const, address: hook.url, secret: 's' };
      await expect(failure(new WebhookChannel().send(destination, notice()))).resolves.toMatchObject({
        transient: true,
        status: 500,
      });
      hook.answer = (_request, response) => {
        response.writeHead(403).end('forbidden');
      };
      await expect(failure(new WebhookChannel().send(destination, notice()))).resolves.toMatchObject({
        transient: false,
        status: 403,
      });
    });

    it('posts a Slack message with buttons to acknowledge, resolve and view', async () => {
      hook.answer = (_request, response) => {
        response.writeHead(200).end('ok');
      };
      await new SlackChannel().send({ kind: 'slack', address: `${hook.url}/services/T/B/X` }, notice());
      const body = JSON.parse(hook.received.at(-1)?.body.toString() ?? '') as {
        text: string;
        blocks: { type: string; elements?: { url: string }[] }[];
      };
      expect(body.text).toBe('#42 [critical] Checkout &lt;API&gt; down &amp; "failing" needs someone');
      const actions = body.blocks.find((b) => b.type === 'actions');
      expect(actions?.elements?.map((e) => e.url)).toEqual([
        'http://tocsin.test/a/ack-token',
        'http://tocsin.test/a/resolve-token',
        'http://tocsin.test/incidents/42',
      ]);
    });
  });
});
