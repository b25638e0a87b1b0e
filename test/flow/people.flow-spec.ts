import type { ContactMethodView, Page, TeamView, UserView } from '@tocsin/contracts';
import { Tocsin } from './support';

interface Problem {
  message: string;
  details?: string[];
}

describe('people and teams over HTTP', () => {
  const tocsin = new Tocsin();

  beforeAll(() => tocsin.start('people'), 120_000);
  afterAll(() => tocsin.stop(), 60_000);

  async function createUser(name: string, email: string): Promise<UserView> {
    const { status, body } = await tocsin.api('POST', '/v1/users', {
      name,
      email,
      timeZone: 'Europe/Berlin',
    });
    expect(status).toBe(201);
    return body as UserView;
  }

  it('creates, reads, changes, lists and deletes a user', async () => {
    const ada = await createUser('Ada Lovelace', 'Ada@Example.com');
    expect(ada).toMatchObject({ name: 'Ada Lovelace', email: 'ada@example.com', timeZone: 'Europe/Berlin' });
    const patched = await tocsin.api('PATCH', `/v1/users/${ada.id}`, { timeZone: 'America/New_York' });
    expect(patched.status).toBe(200);
    expect((patched.body as UserView).timeZone).toBe('America/New_York');
    // Fields that may be left out of a patch may not be emptied with null.
    for (const field of ['name', 'email', 'timeZone']) {
      const nulled = await tocsin.api('PATCH', `/v1/users/${ada.id}`, { [field]: null });
      expect(nulled.status).toBe(400);
      expect((nulled.body as Problem).details?.join(' ')).toContain(field);
    }
    const found = await tocsin.api('GET', '/v1/users?q=lovelace');
    expect((found.body as Page<UserView>).items.map((u) => u.id)).toEqual([ada.id]);
    const duplicate = await tocsin.api('POST', '/v1/users', {
      name: 'Another Ada',
      email: 'ADA@example.com',
      timeZone: 'UTC',
    });
    expect(duplicate.status).toBe(409);
    expect((duplicate.body as Problem).message).toBe('a user with email ada@example.com exists');
    expect((await tocsin.api('DELETE', `/v1/users/${ada.id}`)).status).toBe(204);
    expect((await tocsin.api('GET', `/v1/users/${ada.id}`)).status).toBe(404);
  }, 30_000);

  it('refuses a user with a bad email or time zone, with the reasons', async () => {
    const { status, body } = await tocsin.api('POST', '/v1/users', {
      name: 'x',
      email: 'not-an-email',
      timeZone: 'Mars/Olympus',
    });
    expect(status).toBe(400);
    expect((body as Problem).details).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/email must be an email address/),
        expect.stringMatching(/timeZone must be an IANA time zone/),
      ]),
    );
  }, 30_000);

  it('adds contact methods after checking their addresses, and rules that use them', async () => {
    const grace = await createUser('Grace Hopper', 'grace@example.com');
    const add = (body: object) => tocsin.api('POST', `/v1/users/${grace.id}/contact-methods`, body);

    const email = await add({ kind: 'email', address: 'grace@Example.COM', label: 'work' });
    expect(email.status).toBe(201);
    expect(email.body).toMatchObject({ kind: 'email', address: 'grace@example.com', label: 'work' });
    const sms = await add({ kind: 'sms', address: '+14155550100' });
    expect(sms.status).toBe(201);
    expect((sms.body as ContactMethodView).address).toBe('+14155550100');
    const hook = await add({ kind: 'webhook', address: 'https://hooks.example.com/tocsin' });
    expect(hook.status).toBe(201);
    const secret = (hook.body as ContactMethodView).secret;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);

    for (const [body, reason] of [
      [{ kind: 'sms', address: '555-0100' }, /address: /],
      [{ kind: 'email', address: 'grace@' }, /address: /],
      [{ kind: 'webhook', address: 'https://user:pw@hooks.example.com/x' }, /address: /],
      [
        {
          kind: 'push',
          subscription: { endpoint: 'https://push.example.com/x', keys: { p256dh: 'AAAA', auth: 'AAAA' } },
        },
        /subscription: /,
      ],
      [{ kind: 'push' }, /subscription is required for push/],
      [{ kind: 'pigeon', address: 'roof' }, /kind must be one of/],
    ] as const) {
      const refused = await add(body);
      expect(refused.status).toBe(400);
      expect((refused.body as Problem).details?.join('\n')).toMatch(reason);
    }

    const rule = await tocsin.api('POST', `/v1/users/${grace.id}/notification-rules`, {
      contactMethodId: (email.body as ContactMethodView).id,
      delayMinutes: 0,
    });
    expect(rule.status).toBe(201);
    const later = await tocsin.api('POST', `/v1/users/${grace.id}/notification-rules`, {
      contactMethodId: (sms.body as ContactMethodView).id,
      delayMinutes: 5,
      notices: true,
    });
    expect(later.status).toBe(201);
    const strange = await tocsin.api('POST', `/v1/users/${grace.id}/notification-rules`, {
      contactMethodId: '01900000-0000-7000-8000-000000000000',
      delayMinutes: 0,
    });
    expect(strange.status).toBe(400);

    // Push is off in this installation (no VAPID keys): browsers are told so.
    expect((await tocsin.api('GET', '/v1/push/public-key')).body).toEqual({ publicKey: null });

    const user = (await tocsin.api('GET', `/v1/users/${grace.id}`)).body as UserView;
    expect(user.contactMethods.map((m) => m.kind)).toEqual(['email', 'sms', 'webhook']);
    // The secret is shown once, on creation.
    expect(user.contactMethods.find((m) => m.kind === 'webhook')?.secret).toBeUndefined();
    expect(JSON.stringify(user)).not.toContain(secret as string);
    expect(user.notificationRules.map((r) => [r.delayMinutes, r.notices])).toEqual([
      [0, false],
      [5, true],
    ]);

    // Deleting a method deletes the rules that used it.
    const smsId = (sms.body as ContactMethodView).id;
    expect((await tocsin.api('DELETE', `/v1/users/${grace.id}/contact-methods/${smsId}`)).status).toBe(204);
    const after = (await tocsin.api('GET', `/v1/users/${grace.id}`)).body as UserView;
    expect(after.notificationRules).toHaveLength(1);
  }, 30_000);

  it('keeps teams of existing users, and refuses members that do not exist', async () => {
    const a = await createUser('Alan Turing', 'alan@example.com');
    const b = await createUser('Barbara Liskov', 'barbara@example.com');
    const created = await tocsin.api('POST', '/v1/teams', { name: 'Payments', memberIds: [a.id, b.id] });
    expect(created.status).toBe(201);
    const team = created.body as TeamView;
    expect(team.members.map((m) => m.name)).toEqual(['Alan Turing', 'Barbara Liskov']);

    const unnamed = await tocsin.api('PATCH', `/v1/teams/${team.id}`, { name: null });
    expect(unnamed.status).toBe(400);
    expect((unnamed.body as Problem).details?.join(' ')).toContain('name');
    const changed = await tocsin.api('PATCH', `/v1/teams/${team.id}`, { memberIds: [b.id] });
    expect((changed.body as TeamView).members.map((m) => m.id)).toEqual([b.id]);

    const ghost = await tocsin.api('PATCH', `/v1/teams/${team.id}`, {
      memberIds: ['01900000-0000-7000-8000-00000000dead'],
    });
    expect(ghost.status).toBe(400);
    expect((ghost.body as Problem).details).toEqual([
      'memberIds: user 01900000-0000-7000-8000-00000000dead does not exist',
    ]);
    expect((await tocsin.api('POST', '/v1/teams', { name: 'payments' })).status).toBe(409);

    // A user who leaves leaves their teams.
    await tocsin.api('DELETE', `/v1/users/${b.id}`);
    expect(((await tocsin.api('GET', `/v1/teams/${team.id}`)).body as TeamView).members).toEqual([]);
  }, 30_000);
});
