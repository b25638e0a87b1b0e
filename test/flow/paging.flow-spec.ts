import { createHmac, timingSafeEqual } from 'node:crypto';
import type {
  ContactMethodView,
  IncidentView,
  NotificationView,
  Page,
  TeamView,
  UserView,
} from '@tocsin/contracts';
import { expectEventually, HttpReceiver, SmtpReceiver, type Received } from '@tocsin/testing';
import { Tocsin } from './support';

/** Where pages say the api is; links are followed against the api actually running. */
const API_URL = 'https://tocsin.example.test';
const TWILIO = {
  sid: 'AC00000000000000000000000000000001',
  token: 'twilio-token-for-tests',
  from: '+15005550006',
};

interface Contact {
  kind: 'email' | 'sms' | 'webhook';
  address: string;
  delayMinutes?: number;
  notices?: boolean;
}

describe('paging people over real protocols', () => {
  const tocsin = new Tocsin();
  const smtp = new SmtpReceiver();
  const twilio = new HttpReceiver();
  const webhooks = new HttpReceiver();
  let sid = 0;

  beforeAll(async () => {
    await Promise.all([smtp.start(), twilio.start(), webhooks.start()]);
    await tocsin.start('paging', {
      SMTP_URL: smtp.url,
      SMTP_FROM: 'Tocsin <pages@tocsin.example.test>',
      TWILIO_BASE_URL: twilio.url,
      TWILIO_ACCOUNT_SID: TWILIO.sid,
      TWILIO_AUTH_TOKEN: TWILIO.token,
      TWILIO_FROM: TWILIO.from,
      TOCSIN_API_URL: API_URL,
    });
  }, 120_000);
  afterAll(async () => {
    await tocsin.stop();
    await Promise.all([smtp.stop(), twilio.stop(), webhooks.stop()]);
  }, 60_000);
  beforeEach(() => {
    twilio.answer = (request, response) => {
      sid += 1;
      const prefix = request.path.endsWith('/Calls.json') ? 'CA' : 'SM';
      response
        .writeHead(201, { 'content-type': 'application/json' })
        .end(JSON.stringify({ sid: `${prefix}${sid}` }));
    };
    webhooks.answer = (_request, response) => {
      response.writeHead(204).end();
    };
  });

  async function person(
    name: string,
    contacts: Contact[],
  ): Promise<UserView & { secrets: Record<string, string> }> {
    const email = `${name.toLowerCase().replace(/\W+/g, '.')}@example.com`;
    const created = await tocsin.api('POST', '/v1/users', { name, email, timeZone: 'Europe/Berlin' });
    expect(created.status).toBe(201);
    const user = created.body as UserView;
    const secrets: Record<string, string> = {};
    for (const contact of contacts) {
      const method = await tocsin.api('POST', `/v1/users/${user.id}/contact-methods`, {
        kind: contact.kind,
        address: contact.address,
      });
      expect(method.status).toBe(201);
      const view = method.body as ContactMethodView;
      if (view.secret) secrets[contact.address] = view.secret;
      const rule = await tocsin.api('POST', `/v1/users/${user.id}/notification-rules`, {
        contactMethodId: view.id,
        delayMinutes: contact.delayMinutes ?? 0,
        notices: contact.notices ?? false,
      });
      expect(rule.status).toBe(201);
    }
    return { ...user, secrets };
  }

  async function policy(
    name: string,
    steps: { targets: { type: string; id: string }[]; delayMinutes: number }[],
  ) {
    const created = await tocsin.api('POST', '/v1/escalation-policies', { name, steps });
    expect(created.status).toBe(201);
    return created.body as { id: string };
  }

  async function open(policyId: string, key: string): Promise<IncidentView> {
    const integration = await tocsin.createIntegration(`paging-${key}`, { escalationPolicyId: policyId });
    const hook = await tocsin.hook(integration.token, { id: key, status: 'firing', title: `${key} is down` });
    expect(hook.status).toBe(202);
    return expectEventually(async () => {
      const [incident] = await tocsin.incidents(`integrationId=${integration.id}`);
      expect(incident).toBeDefined();
      return incident;
    });
  }

  async function notifications(incidentId: string): Promise<NotificationView[]> {
    const { status, body } = await tocsin.api('GET', `/v1/incidents/${incidentId}/notifications`);
    expect(status).toBe(200);
    return (body as Page<NotificationView>).items;
  }

  async function incident(id: string): Promise<IncidentView> {
    return (await tocsin.api('GET', `/v1/incidents/${id}`)).body as IncidentView;
  }

  /** Follows a link from a page on the api that is running. */
  async function follow(link: string, method: 'GET' | 'POST'): Promise<{ status: number; html: string }> {
    expect(link.startsWith(`${API_URL}/v1/actions/`)).toBe(true);
    const response = await fetch(`${tocsin.fleet.url('api')}${link.slice(API_URL.length)}`, { method });
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    return { status: response.status, html: await response.text() };
  }

  function smsTo(number: string): URLSearchParams[] {
    return twilio.received
      .filter((r) => r.path.endsWith('/Messages.json'))
      .map((r) => new URLSearchParams(r.body.toString()))
      .filter((f) => f.get('To') === number);
  }

  /** Posts an SMS reply the way Twilio does, signed with the account's auth token. */
  async function reply(
    from: string,
    body: string,
    token = TWILIO.token,
  ): Promise<{ status: number; text: string }> {
    const params: Record<string, string> = {
      From: from,
      To: TWILIO.from,
      Body: body,
      MessageSid: `SM${Date.now()}`,
    };
    const url = `${API_URL}/v1/providers/twilio/sms`;
    const signed =
      url +
      Object.keys(params)
        .sort()
        .map((k) => `${k}${params[k]}`)
        .join('');
    const response = await fetch(`${tocsin.fleet.url('api')}/v1/providers/twilio/sms`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': createHmac('sha1', token).update(signed).digest('base64'),
      },
      body: new URLSearchParams(params).toString(),
    });
    return { status: response.status, text: await response.text() };
  }

  it('pages the first step by email and SMS; the link in the email asks, then acknowledges, and the escalation stops', async () => {
    const ann = await person('Ann Example', [
      { kind: 'email', address: 'ann@example.com', notices: true },
      { kind: 'sms', address: '+14155550101' },
    ]);
    const bob = await person('Bob Example', [{ kind: 'webhook', address: `${webhooks.url}/bob` }]);
    const team = (await tocsin.api('POST', '/v1/teams', { name: 'Backup', memberIds: [bob.id] }))
      .body as TeamView;
    const escalation = await policy('Ann then the backup team', [
      { targets: [{ type: 'user', id: ann.id }], delayMinutes: 1 },
      { targets: [{ type: 'team', id: team.id }], delayMinutes: 1 },
    ]);
    const opened = await open(escalation.id, 'checkout');

    const page = await expectEventually(
      () => {
        const mail = smtp.messages.find((m) => m.envelopeTo.includes('ann@example.com'));
        expect(mail).toBeDefined();
        return (mail as (typeof smtp.messages)[number]).mail;
      },
      { timeoutMs: 20_000 },
    );
    expect(page.subject).toBe(`Incident: #${opened.number} [${opened.severity}] checkout is down`);
    const sms = await expectEventually(
      () => {
        const [first] = smsTo('+14155550101');
        expect(first).toBeDefined();
        return first;
      },
      { timeoutMs: 20_000 },
    );
    expect(sms.get('Body')).toMatch(/Reply \d+a to acknowledge/);

    const acknowledge = /Acknowledge: (\S+)/.exec(page.text ?? '')?.[1] as string;
    const asked = await follow(acknowledge, 'GET');
    expect(asked.status).toBe(200);
    expect(asked.html).toContain(`Acknowledge incident #${opened.number}?`);
    expect(asked.html).toContain('<form method="post"');
    // Looking at the link acknowledges nothing (mail scanners fetch links).
    expect((await incident(opened.id)).status).toBe('triggered');

    const done = await follow(acknowledge, 'POST');
    expect(done.status).toBe(200);
    expect(done.html).toContain(`Incident #${opened.number} acknowledged`);
    const acknowledged = await incident(opened.id);
    expect(acknowledged).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'link:Ann Example' });

    // Ann asked to hear how incidents she was paged for end.
    await expectEventually(
      () => {
        const notice = smtp.messages.find(
          (m) => m.mail.subject === `Acknowledged: #${opened.number} [${opened.severity}] checkout is down`,
        );
        expect(notice?.mail.text).toContain('was acknowledged by link:Ann Example');
      },
      { timeoutMs: 20_000 },
    );
    const log = await notifications(opened.id);
    expect(log.filter((n) => n.notice === 'page').map((n) => [n.channel, n.status, n.step])).toEqual(
      expect.arrayContaining([
        ['email', 'sent', 0],
        ['sms', 'sent', 0],
      ]),
    );
    expect(log.find((n) => n.channel === 'sms')?.providerMessageId).toMatch(/^SM\d+$/);
    // The backup step never ran.
    expect(log.some((n) => n.userId === bob.id)).toBe(false);

    const forged = acknowledge.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    expect((await follow(forged, 'POST')).status).toBe(404);
  }, 90_000);

  it('acts on SMS replies signed by Twilio: e escalates to the next step, c resolves', async () => {
    const cat = await person('Cat Example', [{ kind: 'sms', address: '+14155550102' }]);
    const dan = await person('Dan Example', [{ kind: 'webhook', address: `${webhooks.url}/dan` }]);
    const escalation = await policy('Cat then Dan', [
      { targets: [{ type: 'user', id: cat.id }], delayMinutes: 30 },
      { targets: [{ type: 'user', id: dan.id }], delayMinutes: 30 },
    ]);
    const opened = await open(escalation.id, 'payments');
    const sms = await expectEventually(
      () => {
        const [first] = smsTo('+14155550102');
        expect(first).toBeDefined();
        return first;
      },
      { timeoutMs: 20_000 },
    );
    const code = /Reply (\d+)a/.exec(sms.get('Body') ?? '')?.[1] as string;

    expect((await reply('+14155550102', `${code}e`, 'not-the-token')).status).toBe(403);
    expect(webhooks.received.some((r) => r.path === '/dan')).toBe(false);

    const escalated = await reply('+14155550102', ` ${code}E `);
    expect(escalated.status).toBe(200);
    expect(escalated.text).toBe(
      `<?xml version="1.0" encoding="UTF-8"?><Response><Message>Tocsin: escalated #${opened.number} payments is down to the next step.</Message></Response>`,
    );
    const hook = await expectEventually(
      () => {
        const request = webhooks.received.find((r) => r.path === '/dan');
        expect(request).toBeDefined();
        return request as Received;
      },
      { timeoutMs: 20_000 },
    );
    const timestamp = hook.headers['x-tocsin-timestamp'] as string;
    const expected = Buffer.from(
      `v1=${createHmac('sha256', dan.secrets[`${webhooks.url}/dan`])
        .update(`${timestamp}.${hook.body.toString()}`)
        .digest('hex')}`,
    );
    const given = Buffer.from(hook.headers['x-tocsin-signature'] as string);
    expect(given.length === expected.length && timingSafeEqual(given, expected)).toBe(true);
    expect(JSON.parse(hook.body.toString())).toMatchObject({
      type: 'incident.page',
      incident: { id: opened.id },
    });

    const resolved = await reply('+14155550102', `${code}c`);
    expect(resolved.text).toContain(`Tocsin: resolved #${opened.number} payments is down.`);
    expect(await incident(opened.id)).toMatchObject({ status: 'resolved', resolvedBy: 'sms:Cat Example' });
    const again = await reply('+14155550102', `${code}a`);
    expect(again.text).toMatch(/Tocsin: incident #\d+: .*resolved/);
    expect((await reply('+14155550102', '99a')).text).toContain('no page to this number has the code 99');
  }, 90_000);

  it('moves past a step with nobody to page at once, retries a provider that fails for a moment, and fails a refused number alone', async () => {
    const nobody = await person('Eve Unreachable', []);
    const fay = await person('Fay Example', [
      { kind: 'sms', address: '+14155550103' },
      { kind: 'email', address: 'fay@example.com' },
    ]);
    const gil = await person('Gil Example', [{ kind: 'sms', address: '+14155550199' }]);
    const escalation = await policy('Nobody, then Fay and Gil', [
      { targets: [{ type: 'user', id: nobody.id }], delayMinutes: 60 },
      {
        targets: [
          { type: 'user', id: fay.id },
          { type: 'user', id: gil.id },
        ],
        delayMinutes: 60,
      },
    ]);
    let refusedOnce = false;
    twilio.answer = (request, response) => {
      const to = new URLSearchParams(request.body.toString()).get('To');
      if (to === '+14155550199') {
        response
          .writeHead(400, { 'content-type': 'application/json' })
          .end(
            JSON.stringify({ code: 21614, message: "'To' number is not a valid mobile number", status: 400 }),
          );
      } else if (!refusedOnce) {
        refusedOnce = true;
        response.writeHead(503).end('Service Unavailable');
      } else {
        sid += 1;
        response
          .writeHead(201, { 'content-type': 'application/json' })
          .end(JSON.stringify({ sid: `SM${sid}` }));
      }
    };
    const opened = await open(escalation.id, 'search');

    const log = await expectEventually(
      async () => {
        const all = await notifications(opened.id);
        const fays = all.filter((n) => n.userId === fay.id);
        expect(fays.map((n) => [n.channel, n.status]).sort()).toEqual([
          ['email', 'sent'],
          ['sms', 'sent'],
        ]);
        return all;
      },
      { timeoutMs: 40_000 },
    );
    const fayText = log.find((n) => n.userId === fay.id && n.channel === 'sms') as NotificationView;
    expect(fayText.attempts).toBe(2);
    const gils = log.find((n) => n.userId === gil.id) as NotificationView;
    expect(gils).toMatchObject({ status: 'failed', attempts: 1, step: 1 });
    expect(gils.error).toContain("'To' number is not a valid mobile number");
    // Step 0 paged nobody, so step 1 ran at once, not after its 60 minutes.
    expect(log.every((n) => n.step === 1)).toBe(true);
    const sentAt = Date.parse(log.find((n) => n.channel === 'email')?.sentAt as string);
    expect(sentAt - Date.parse(opened.openedAt)).toBeLessThan(30_000);
  }, 90_000);

  it("pages by the service's policy when the integration has none", async () => {
    const hal = await person('Hal Example', [{ kind: 'webhook', address: `${webhooks.url}/hal` }]);
    const escalation = await policy('Billing on call', [
      { targets: [{ type: 'user', id: hal.id }], delayMinutes: 30 },
    ]);
    const service = await tocsin.api('POST', '/v1/services', {
      name: 'billing',
      escalationPolicyId: escalation.id,
    });
    expect(service.status).toBe(201);
    const integration = await tocsin.createIntegration('paging-billing');
    const hook = await tocsin.hook(integration.token, {
      id: 'invoices',
      status: 'firing',
      title: 'invoices are late',
      service: 'Billing',
    });
    expect(hook.status).toBe(202);
    const page = await expectEventually(
      () => {
        const request = webhooks.received.find((r) => r.path === '/hal');
        expect(request).toBeDefined();
        return JSON.parse((request as Received).body.toString()) as {
          incident: { title: string; service: string };
        };
      },
      { timeoutMs: 20_000 },
    );
    expect(page.incident).toMatchObject({ title: 'invoices are late', service: 'Billing' });
  }, 60_000);
});
