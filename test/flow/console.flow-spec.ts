import type { IncidentView } from '@tocsin/contracts';
import { expectEventually } from '@tocsin/testing';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { chromium as findChromium } from './browser';
import { Tocsin } from './support';

/** The page's sessionStorage, typed here: the flow suite compiles without the DOM library. */
interface SessionStorageHolder {
  sessionStorage: { getItem(key: string): string | null; setItem(key: string, value: string): void };
}

/** The page's focused element, typed here for the same reason. */
interface FocusHolder {
  document: { activeElement: { textContent: string | null } | null };
}

const SCREENSHOTS = join(__dirname, '../../docs/screenshots');

/** Reads a server-sent event stream until `until` holds for the events read so far (or times out). */
async function readEvents(
  response: Response,
  until: (events: { event: string; data: { change: string; incident: IncidentView } }[]) => boolean,
  timeoutMs = 20_000,
): Promise<{ text: string; events: { event: string; data: { change: string; incident: IncidentView } }[] }> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  const events: { event: string; data: { change: string; incident: IncidentView } }[] = [];
  let text = '';
  const deadline = setTimeout(() => void reader.cancel(), timeoutMs);
  try {
    while (!until(events)) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
      const blocks = text.split('\n\n');
      events.length = 0;
      for (const block of blocks) {
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event && data) events.push({ event, data: JSON.parse(data) });
      }
    }
  } finally {
    clearTimeout(deadline);
    await reader.cancel().catch(() => undefined);
  }
  return { text, events };
}

describe('the live stream and the console', () => {
  const tocsin = new Tocsin();
  let api: string;

  beforeAll(async () => {
    await tocsin.start('console');
    api = tocsin.fleet.url('api');
  }, 120_000);
  afterAll(() => tocsin.stop(), 60_000);

  describe('GET /v1/incidents/stream', () => {
    it('needs a key, and any role may watch: a read-only key sees an incident open and be acknowledged', async () => {
      const anonymous = await fetch(`${api}/v1/incidents/stream`);
      expect(anonymous.status).toBe(401);
      await anonymous.body?.cancel();

      const { body: key } = await tocsin.api('POST', '/v1/api-keys', {
        name: 'wallboard',
        role: 'read-only',
      });
      const readOnly = (key as { key: string }).key;
      const response = await fetch(`${api}/v1/incidents/stream`, {
        headers: { authorization: `Bearer ${readOnly}` },
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
      expect(response.headers.get('cache-control')).toBe('no-store');

      const head = await fetch(`${api}/v1/incidents/stream`, {
        method: 'HEAD',
        headers: { authorization: `Bearer ${readOnly}` },
      });
      expect(head.status).toBe(200);
      expect(head.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');

      const integration = await tocsin.createIntegration('stream');
      const seen = readEvents(response, (events) =>
        events.some((e) => e.data.change === 'acknowledged' && e.data.incident.title === 'Queue backed up'),
      );
      expect(
        (await tocsin.hook(integration.token, { status: 'firing', id: 'q', title: 'Queue backed up' }))
          .status,
      ).toBe(202);
      const [incident] = await expectEventually(async () => {
        const open = await tocsin.incidents(`integrationId=${integration.id}`);
        expect(open).toHaveLength(1);
        return open;
      });
      expect((await tocsin.api('POST', `/v1/incidents/${incident.id}/acknowledge`)).status).toBe(200);

      const { text, events } = await seen;
      expect(text.startsWith('retry: 3000\n: connected\n\n')).toBe(true);
      const mine = events.filter((e) => e.data.incident.id === incident.id);
      expect(mine.map((e) => e.event)).toEqual(['incident.opened', 'incident.acknowledged']);
      expect(mine[1].data.incident.status).toBe('acknowledged');
    }, 30_000);
  });

  describe('the console at /', () => {
    it('serves index.html for client routes, with a CSP of self only, and never shadows the api', async () => {
      for (const path of ['/', '/incidents/8e1f0000-0000-4000-8000-000000000000', '/integrations']) {
        const response = await fetch(`${api}${path}`);
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
        expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
        expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
        const html = await response.text();
        expect(html).toContain('<div id="root"></div>');
        expect(html).not.toMatch(/https?:\/\//);
      }
      const index = await (await fetch(`${api}/`)).text();
      const script = /src="(\/assets\/[^"]+\.js)"/.exec(index)?.[1];
      expect(script).toBeDefined();
      const js = await fetch(`${api}${script}`);
      expect(js.status).toBe(200);
      expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
      expect(js.headers.get('cache-control')).toContain('immutable');
      expect(
        (await fetch(`${api}${script}`, { headers: { 'if-none-match': js.headers.get('etag')! } })).status,
      ).toBe(304);

      const unknownApi = await fetch(`${api}/v1/no-such-thing`);
      expect(unknownApi.headers.get('content-security-policy')).toBeNull();
      expect(unknownApi.status).toBe(404);
      expect(await unknownApi.json()).toMatchObject({ error: 'not_found' });
      expect((await fetch(`${api}/assets/missing.js`)).status).toBe(404);
      expect((await fetch(`${api}/ical/${'x'.repeat(500)}`)).status).toBe(414);
      expect((await fetch(`${api}/healthz`)).status).toBe(200);
      expect((await fetch(`${api}/v1/incidents`)).status).toBe(401);
    }, 30_000);
  });

  const browserPath = findChromium();
  const inBrowser = 'path' in browserPath ? describe : describe.skip;
  if (!('path' in browserPath)) {
    process.stderr.write(`console browser tests skipped: ${browserPath.missing}\n`);
  }

  inBrowser('in Chromium', () => {
    let browser: Browser;
    let page: Page;
    const pageErrors: string[] = [];
    const shot = (name: string) =>
      page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });

    /** Something on every page: people on call, a policy, a service with deploys, a suggestion. */
    async function seed(): Promise<void> {
      const created = async (path: string, body: object): Promise<{ id: string }> => {
        const { status, body: answer } = await tocsin.api('POST', path, body);
        if (status !== 201) throw new Error(`POST ${path} answered ${status}: ${JSON.stringify(answer)}`);
        return answer as { id: string };
      };
      const ann = await created('/v1/users', {
        name: 'Ann Example',
        email: 'ann@example.com',
        timeZone: 'UTC',
      });
      const bob = await created('/v1/users', {
        name: 'Bob Example',
        email: 'bob@example.com',
        timeZone: 'UTC',
      });
      const start = new Date(Date.now() - 3 * 86_400_000).toISOString().slice(0, 10);
      const schedule = await created('/v1/schedules', {
        name: 'Platform primary',
        timeZone: 'UTC',
        layers: [
          {
            id: 'primary',
            rotation: { type: 'daily', startDate: start, handoffTime: '09:00' },
            participants: [ann.id, bob.id],
          },
        ],
        overrides: [],
      });
      await created('/v1/escalation-policies', {
        name: 'Checkout',
        description: 'Pages whoever is on call for the platform, then Bob.',
        steps: [
          { targets: [{ type: 'schedule', id: schedule.id }], delayMinutes: 15 },
          { targets: [{ type: 'user', id: bob.id }], delayMinutes: 30 },
        ],
        repeat: 1,
      });
      await created('/v1/services', {
        name: 'checkout',
        aliases: ['checkout-api'],
        description: 'Takes the money',
      });
      const ci = await tocsin.createIntegration('ci-deploys', { kind: 'deploy' });
      const deploys = [
        { service: 'checkout', hoursAgo: 50, n: 41 },
        { service: 'checkout', hoursAgo: 26, n: 42 },
        { service: 'checkout-api', hoursAgo: 0.2, n: 43 },
        { service: 'billing', hoursAgo: 5, n: 7 },
      ];
      for (const d of deploys) {
        const answer = await tocsin.ingest(`/deploys/${ci.token}`, {
          service: d.service,
          description: `Release ${d.n}`,
          environment: 'production',
          deployed_at: new Date(Date.now() - d.hoursAgo * 3_600_000).toISOString(),
          deployer: { name: 'Ann Example', email: 'ann@example.com' },
          deploy_number: String(d.n),
          commit: { sha: `${d.n}`.padStart(40, 'a') },
        });
        expect(answer.status).toBe(202);
      }
      await expectEventually(async () => {
        const { body } = await tocsin.api('GET', '/v1/deploys?limit=10');
        expect((body as { items: unknown[] }).items).toHaveLength(deploys.length);
      });
    }

    beforeAll(async () => {
      await seed();
      mkdirSync(SCREENSHOTS, { recursive: true });
      const { chromium } = await import('playwright-core');
      browser = await chromium.launch({
        executablePath: (browserPath as { path: string }).path,
        args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
      });
      const context = await browser.newContext({
        viewport: { width: 1280, height: 860 },
        colorScheme: 'light',
      });
      // The console may load nothing from elsewhere: any request off the api's origin fails the test.
      const offOrigin: string[] = [];
      context.on('request', (request) => {
        if (!request.url().startsWith(api) && !request.url().startsWith('data:'))
          offOrigin.push(request.url());
      });
      page = await context.newPage();
      page.on('pageerror', (error) => pageErrors.push(error.message));
      // What the Content-Security-Policy refuses shows as a console error: there must be none.
      page.on('console', (message) => {
        if (message.type() === 'error' && /Refused to|Content Security Policy/i.test(message.text())) {
          pageErrors.push(message.text());
        }
      });
      (page as Page & { offOrigin?: string[] }).offOrigin = offOrigin;
    }, 60_000);

    afterAll(async () => {
      const offOrigin = (page as (Page & { offOrigin?: string[] }) | undefined)?.offOrigin ?? [];
      await browser?.close();
      expect(offOrigin).toEqual([]);
      expect(pageErrors).toEqual([]);
    });

    it('signs in with a key, refusing a wrong one, and keeps the key out of the URL', async () => {
      await page.goto(`${api}/`);
      await page.getByLabel('API key').fill('not-a-key-at-all');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByText('That key is unknown or revoked.').waitFor();
      await page.getByLabel('API key').fill('');
      await shot('sign-in');

      // By keyboard alone: the key field has the focus, Enter signs in.
      await page.getByLabel('API key').focus();
      await page.keyboard.type(tocsin.adminKey);
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: 'Incidents' }).waitFor();
      await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
      expect(page.url()).not.toContain(tocsin.adminKey);
      expect(
        await page.evaluate(() =>
          (globalThis as unknown as SessionStorageHolder).sessionStorage.getItem('tocsin.apiKey'),
        ),
      ).toBe(tocsin.adminKey);
    }, 30_000);

    it('shows an incident arrive live after a webhook, and acknowledges it in one click', async () => {
      const integration = await tocsin.createIntegration('console-live');
      // Marks this page: a reload would lose it.
      await page.evaluate(() => ((globalThis as unknown as { notReloaded: boolean }).notReloaded = true));
      const hook = await tocsin.hook(integration.token, {
        status: 'firing',
        id: 'db-1-disk',
        title: 'Disk full on db-1',
        service: 'checkout',
      });
      expect(hook.status).toBe(202);

      const row = page.locator('tr', { hasText: 'Disk full on db-1' });
      await row.waitFor({ timeout: 15_000 });
      expect(
        await page.evaluate(() => (globalThis as unknown as { notReloaded?: boolean }).notReloaded),
      ).toBe(true);
      await expect(row.locator('.badge').first().textContent()).resolves.toBe('triggered');
      await shot('incidents');

      // The first Tab reaches the skip link; the buttons answer Enter like any button.
      await page.keyboard.press('Tab');
      expect(
        await page.evaluate(() => (globalThis as unknown as FocusHolder).document.activeElement?.textContent),
      ).toBe('Skip to content');
      await row.getByRole('button', { name: /^Acknowledge/ }).focus();
      await page.keyboard.press('Enter');
      await row.locator('.badge', { hasText: 'acknowledged' }).waitFor();
      const [incident] = await tocsin.incidents(`integrationId=${integration.id}`);
      expect(incident).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'api:admin' });

      await row.getByRole('link', { name: 'Disk full on db-1' }).click();
      await page.getByRole('heading', { name: 'Timeline' }).waitFor();
      await page.getByText('acknowledged', { exact: true }).first().waitFor();
      await page.getByRole('heading', { name: 'Inbound messages' }).waitFor();
      // The deploy of its service ten minutes before it is a suspect (deploy-tracker links it shortly).
      await expectEventually(
        async () => {
          await page.reload();
          await page.getByText('Release 43').waitFor({ timeout: 2_000 });
        },
        { timeoutMs: 20_000 },
      );
      await shot('incident');

      // Narrow window: the list reads as cards.
      await page.setViewportSize({ width: 420, height: 860 });
      await page.getByRole('link', { name: '← Incidents' }).click();
      await page.getByRole('link', { name: 'Disk full on db-1' }).waitFor();
      await shot('incidents-narrow');
      await page.setViewportSize({ width: 1280, height: 860 });
    }, 60_000);

    it('creates an integration from a template, and the dry run follows each edit of the mapping', async () => {
      await page.getByRole('link', { name: 'Integrations', exact: true }).click();
      await page.getByLabel('Name').fill('grafana-console');
      await page.getByLabel('Template').selectOption('grafana');
      await page.getByRole('button', { name: 'Create' }).click();
      const url = await page.getByTestId('new-url').textContent();
      expect(url).toMatch(/\/hooks\/[A-Za-z0-9_-]{20,}$/);
      await page.getByRole('link', { name: /Edit its mapping/ }).click();

      const outcome = page.getByTestId('dry-run-outcome');
      await expectEventually(async () => expect(await outcome.textContent()).toBe('opened'), {
        timeoutMs: 15_000,
      });
      expect(await page.getByTestId('dry-run-event').count()).toBe(2);
      await shot('integration');

      const mapping = page.getByTestId('mapping');
      const original = await mapping.inputValue();
      expect(original).toContain('"equals": "firing"');
      // A rule edited: firing alerts no longer match any rule.
      await mapping.fill(original.replace('"equals": "firing"', '"equals": "pending"'));
      await expectEventually(async () => expect(await outcome.textContent()).toBe('unmapped'), {
        timeoutMs: 15_000,
      });
      // Broken JSON is caught as it is typed, before the api is asked.
      await mapping.fill(original.replace('"equals": "firing"', '"equals": firing'));
      await page.getByText(/The mapping is not JSON: line \d+, column \d+/).waitFor();
      // A rule the api refuses: its reason shows.
      await mapping.fill(original.replace('"action": "open"', '"action": "explode"'));
      await page.getByText('Invalid:').waitFor();
      // Back to a working rule, saved.
      await mapping.fill(original.replace('"equals": "firing"', '"equals": "FIRING"'));
      await expectEventually(async () => expect(await outcome.textContent()).toBe('opened'), {
        timeoutMs: 15_000,
      });
      await page.getByRole('button', { name: 'Save mapping' }).click();
      await page.getByText('Saved', { exact: true }).waitFor();
    }, 60_000);

    it('renders the overview, deploys, services and on-call pages', async () => {
      for (const [link, heading, content, name] of [
        [
          'Overview',
          'Incidents opened per day',
          'Deploys (bars) and incidents (dots), per service',
          'overview',
        ],
        ['Deploys', 'Deploys', 'Release 43', 'deploys'],
        ['Services', 'Catalog (last 30 days)', 'Takes the money', 'services'],
        ['On call', 'Escalation policies', 'Pages whoever is on call for the platform, then Bob.', 'on-call'],
      ] as const) {
        await page.getByRole('link', { name: link, exact: true }).click();
        await page.getByRole('heading', { name: heading, exact: true }).waitFor();
        await page.getByText(content).first().waitFor();
        await expectEventually(async () => expect(await page.getByText(/^Loading /).count()).toBe(0));
        if (name === 'services') {
          await page.getByRole('button', { name: 'Charts' }).first().click();
          await page.getByText('Deployment frequency (deploys per day)').waitFor();
          await page.getByRole('button', { name: 'Accept' }).waitFor();
        }
        if (name === 'on-call') await page.getByText('Ann Example').first().waitFor();
        await shot(name);
      }
    }, 60_000);

    it('says when the api does not answer, and stops saying it once it answers again', async () => {
      await page.route('**/v1/**', (route) => route.abort('connectionrefused'));
      await page.getByRole('link', { name: 'Deploys', exact: true }).click();
      const banner = page.getByText('The api is unreachable.');
      await banner.waitFor();
      await page.getByText('Could not load deploys').waitFor();
      await shot('unreachable');
      await page.unroute('**/v1/**');
      await banner.waitFor({ state: 'detached', timeout: 15_000 });
    }, 30_000);

    it('goes back to sign-in, saying why, when the key stops working', async () => {
      await page.evaluate(() =>
        (globalThis as unknown as SessionStorageHolder).sessionStorage.setItem(
          'tocsin.apiKey',
          'revoked-key-revoked',
        ),
      );
      await page.goto(`${api}/integrations`);
      await page.getByText('Your api key expired or was revoked.').waitFor();
      await page.getByLabel('API key').waitFor();
    }, 30_000);
  });
});
