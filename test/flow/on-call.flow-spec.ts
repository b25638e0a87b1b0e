import type {
  EscalationPolicyView,
  OnCallView,
  Page,
  PolicyCheckView,
  ScheduleView,
  ShiftView,
  TeamView,
  UserView,
} from '@tocsin/contracts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tocsin } from './support';

interface Problem {
  message: string;
  details?: string[];
}

const MISSING = '01900000-0000-7000-8000-00000000dead';

/*
 * A daily rotation in Europe/Berlin with a 09:00 hand-off across the spring change of 2027 (28 March,
 * 02:00 CET → 03:00 CEST): the shift of the 27th lasts 23 hours, and every hand-off is at 09:00 local,
 * 08:00Z before the change and 07:00Z after it. Dan overrides 10:00–14:00 on the 28th.
 */
describe('on call: schedules and escalation policies over HTTP', () => {
  const tocsin = new Tocsin();
  let ann: UserView;
  let bob: UserView;
  let cy: UserView;
  let dan: UserView;
  let team: TeamView;
  let schedule: ScheduleView;

  beforeAll(async () => {
    await tocsin.start('oncall');
    ann = await createUser('Ann Example', 'ann@example.com');
    bob = await createUser('Bob Example', 'bob@example.com');
    cy = await createUser('Cy Example', 'cy@example.com');
    dan = await createUser('Dan Example', 'dan@example.com');
    // Ann and Dan can be reached by webhook (always on); Bob by email only, which is off (no SMTP_URL);
    // Cy has no contact method at all.
    for (const [user, kind, address] of [
      [ann, 'webhook', 'https://hooks.example.com/ann'],
      [bob, 'email', 'bob@example.com'],
      [dan, 'webhook', 'https://hooks.example.com/dan'],
    ] as const) {
      const method = await tocsin.api('POST', `/v1/users/${user.id}/contact-methods`, { kind, address });
      expect(method.status).toBe(201);
      const rule = await tocsin.api('POST', `/v1/users/${user.id}/notification-rules`, {
        contactMethodId: (method.body as { id: string }).id,
        delayMinutes: 0,
      });
      expect(rule.status).toBe(201);
    }
    const created = await tocsin.api('POST', '/v1/teams', { name: 'Platform', memberIds: [ann.id, bob.id] });
    expect(created.status).toBe(201);
    team = created.body as TeamView;
  }, 180_000);
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

  function berlinSchedule(name: string): object {
    return {
      name,
      timeZone: 'Europe/Berlin',
      layers: [
        {
          id: 'primary',
          rotation: { type: 'daily', startDate: '2027-03-26', handoffTime: '09:00' },
          participants: [ann.id, bob.id, cy.id],
        },
      ],
      overrides: [
        {
          id: 'dentist',
          userId: dan.id,
          start: '2027-03-28T10:00:00+02:00',
          end: '2027-03-28T14:00:00+02:00',
        },
      ],
    };
  }

  async function onCall(scheduleId: string, at: string): Promise<OnCallView> {
    const { status, body } = await tocsin.api(
      'GET',
      `/v1/schedules/${scheduleId}/on-call?at=${encodeURIComponent(at)}`,
    );
    expect({ status, body }).toMatchObject({ status: 200 });
    return body as OnCallView;
  }

  /** A GET that answers text, with or without the api key. */
  async function fetchText(
    path: string,
    withKey = true,
  ): Promise<{ status: number; type: string | null; text: string }> {
    const response = await fetch(`${tocsin.fleet.url('api')}${path}`, {
      headers: withKey ? { authorization: `Bearer ${tocsin.adminKey}` } : {},
    });
    return {
      status: response.status,
      type: response.headers.get('content-type'),
      text: await response.text(),
    };
  }

  /** The events of an iCalendar text: start, end and summary of each. */
  function events(calendar: string): string[] {
    return [...calendar.matchAll(/BEGIN:VEVENT\r\n([\s\S]*?)END:VEVENT/g)].map((m) => {
      const unfolded = m[1].replace(/\r\n /g, '');
      const field = (name: string) => new RegExp(`^${name}:(.*)\r$`, 'm').exec(unfolded)?.[1];
      return `${field('DTSTART')} ${field('DTEND')} ${field('SUMMARY')}`;
    });
  }

  const WEEK_OF_THE_CHANGE = [
    '20270326T080000Z 20270327T080000Z On call: Ann Example',
    '20270327T080000Z 20270328T070000Z On call: Bob Example',
    '20270328T070000Z 20270328T080000Z On call: Cy Example',
    '20270328T080000Z 20270328T120000Z On call: Dan Example',
    '20270328T120000Z 20270329T070000Z On call: Cy Example',
    '20270329T070000Z 20270330T070000Z On call: Ann Example',
  ];

  it('stores a schedule across the spring change and answers who is on call, wall-clock exact', async () => {
    const created = await tocsin.api('POST', '/v1/schedules', berlinSchedule('Berlin primary'));
    expect(created.status).toBe(201);
    schedule = created.body as ScheduleView;
    expect(schedule).toMatchObject({ name: 'Berlin primary', timeZone: 'Europe/Berlin' });
    expect(schedule.feedToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(schedule.feedUrl).toBe(`http://127.0.0.1:8081/ical/${schedule.feedToken}`);

    // Half past one in the night of the change, still on winter time: Bob's 23-hour shift.
    const night = await onCall(schedule.id, '2027-03-28T01:30:00+01:00');
    expect(night).toEqual({
      scheduleId: schedule.id,
      at: '2027-03-28T00:30:00.000Z',
      shift: {
        start: '2027-03-27T08:00:00.000Z',
        end: '2027-03-28T07:00:00.000Z',
        userIds: [bob.id],
        users: [{ id: bob.id, name: 'Bob Example', email: 'bob@example.com' }],
        source: { kind: 'layer', layerId: 'primary', level: 1, slot: 1, participantIndex: 1 },
      },
    });
    // 09:30 summer time: Cy took over at 09:00 CEST (07:00Z), until Dan's override at 10:00.
    const morning = await onCall(schedule.id, '2027-03-28T09:30:00+02:00');
    expect(morning.shift).toMatchObject({
      start: '2027-03-28T07:00:00.000Z',
      end: '2027-03-28T08:00:00.000Z',
      userIds: [cy.id],
    });
    const override = await onCall(schedule.id, '2027-03-28T11:00:00+02:00');
    expect(override.shift).toMatchObject({
      start: '2027-03-28T08:00:00.000Z',
      end: '2027-03-28T12:00:00.000Z',
      userIds: [dan.id],
      source: { kind: 'override', overrideId: 'dentist' },
    });
    // A space where the + was: how an unencoded offset arrives in a query string.
    const unencoded = await tocsin.api(
      'GET',
      `/v1/schedules/${schedule.id}/on-call?at=2027-03-28T11:00:00+02:00`,
    );
    expect((unencoded.body as OnCallView).shift?.userIds).toEqual([dan.id]);
    // Before the first hand-off nobody is on call.
    expect((await onCall(schedule.id, '2027-03-26T07:59:59Z')).shift).toBeNull();
    // Without `at`: now, long before the rotation starts.
    const now = await tocsin.api('GET', `/v1/schedules/${schedule.id}/on-call`);
    expect(now.status).toBe(200);
    expect((now.body as OnCallView).shift).toBeNull();
  }, 60_000);

  it('lists the final shifts page by page, and writes them as an iCalendar feed', async () => {
    const range = `from=2027-03-26T00:00:00Z&to=2027-03-30T00:00:00Z`;
    const first = await tocsin.api('GET', `/v1/schedules/${schedule.id}/shifts?${range}&limit=4`);
    expect(first.status).toBe(200);
    const page = first.body as Page<ShiftView>;
    expect(page.items.map((s) => [s.start, s.end, s.users[0]?.name])).toEqual([
      ['2027-03-26T08:00:00.000Z', '2027-03-27T08:00:00.000Z', 'Ann Example'],
      ['2027-03-27T08:00:00.000Z', '2027-03-28T07:00:00.000Z', 'Bob Example'],
      ['2027-03-28T07:00:00.000Z', '2027-03-28T08:00:00.000Z', 'Cy Example'],
      ['2027-03-28T08:00:00.000Z', '2027-03-28T12:00:00.000Z', 'Dan Example'],
    ]);
    expect(page.nextCursor).not.toBeNull();
    const second = await tocsin.api(
      'GET',
      `/v1/schedules/${schedule.id}/shifts?${range}&limit=4&cursor=${page.nextCursor}`,
    );
    const rest = second.body as Page<ShiftView>;
    expect(rest.items.map((s) => [s.start, s.end, s.userIds])).toEqual([
      ['2027-03-28T12:00:00.000Z', '2027-03-29T07:00:00.000Z', [cy.id]],
      ['2027-03-29T07:00:00.000Z', '2027-03-30T07:00:00.000Z', [ann.id]],
    ]);
    expect(rest.nextCursor).toBeNull();

    const feed = await fetchText(`/v1/schedules/${schedule.id}/shifts.ics?${range}`);
    expect(feed.status).toBe(200);
    expect(feed.type).toBe('text/calendar; charset=utf-8');
    expect(feed.text.startsWith('BEGIN:VCALENDAR\r\nVERSION:2.0\r\n')).toBe(true);
    expect(feed.text).toContain('X-WR-CALNAME:Berlin primary\r\n');
    expect(feed.text.endsWith('END:VCALENDAR\r\n')).toBe(true);
    expect(events(feed.text)).toEqual(WEEK_OF_THE_CHANGE);
    // One user's shifts.
    const cys = await fetchText(`/v1/schedules/${schedule.id}/shifts.ics?${range}&userId=${cy.id}`);
    expect(events(cys.text)).toEqual([
      '20270328T070000Z 20270328T080000Z On call: Berlin primary',
      '20270328T120000Z 20270329T070000Z On call: Berlin primary',
    ]);
    expect((await fetchText(`/v1/schedules/${schedule.id}/shifts.ics`, false)).status).toBe(401);
  }, 60_000);

  it('serves the feed URL without headers, and only for the current token', async () => {
    const range = `from=2027-03-26T00:00:00Z&to=2027-03-30T00:00:00Z`;
    const path = new URL(schedule.feedUrl).pathname;
    const feed = await fetchText(`${path}?${range}`, false);
    expect(feed.status).toBe(200);
    expect(feed.type).toBe('text/calendar; charset=utf-8');
    expect(events(feed.text)).toEqual(WEEK_OF_THE_CHANGE);
    expect((await fetchText(`${path}.ics?${range}`, false)).status).toBe(200);
    // Without a range: from a week ago, 90 days on, so nothing of 2027's spring.
    const now = await fetchText(path, false);
    expect(now.status).toBe(200);
    expect(events(now.text)).toEqual([]);

    // The token is a credential: never in a list or a get, never in the api's log.
    const listed = await tocsin.api('GET', '/v1/schedules');
    expect(JSON.stringify(listed.body)).not.toContain(schedule.feedToken);
    const got = (await tocsin.api('GET', `/v1/schedules/${schedule.id}`)).body as ScheduleView;
    expect(got.feedUrl).toBe('http://127.0.0.1:8081/ical/{token}');
    expect(got.feedToken).toBeUndefined();

    const rotated = await tocsin.api('POST', `/v1/schedules/${schedule.id}/rotate-feed-token`);
    expect(rotated.status).toBe(200);
    const fresh = rotated.body as ScheduleView;
    expect(fresh.feedToken).not.toBe(schedule.feedToken);
    const old = await fetchText(path, false);
    expect(old.status).toBe(404);
    expect(JSON.parse(old.text)).toEqual({ error: 'not_found', message: 'no schedule feed has this token' });
    expect((await fetchText(new URL(fresh.feedUrl).pathname, false)).status).toBe(200);
    for (const wrong of ['/ical/nope', `/ical/${'A'.repeat(43)}`, `/ical/${fresh.feedToken}x`]) {
      expect((await fetchText(wrong, false)).status).toBe(404);
    }
    // Longer than any route parameter: Fastify refuses it before routing.
    expect((await fetchText(`/ical/${'x'.repeat(500)}`, false)).status).toBe(414);
    for (const app of ['api', 'notifier']) {
      const log = readFileSync(join(tocsin.fleet.logDir, `${app}.log`), 'utf8');
      expect(log).not.toContain(schedule.feedToken);
      expect(log).not.toContain(fresh.feedToken);
    }
  }, 60_000);

  it('refuses a schedule with every problem as a reason', async () => {
    const { status, body } = await tocsin.api('POST', '/v1/schedules', {
      name: 'Broken',
      timeZone: 'Mars/Olympus_Mons',
      layers: [
        {
          id: 'a',
          rotation: { type: 'weekly', startDate: '2027-03-01', handoffTime: '09:00' },
          participants: [ann.id, MISSING],
        },
        {
          id: 'b',
          level: 1,
          rotation: {
            type: 'custom',
            startDate: '2027-03-01',
            handoffTime: '09:00',
            shiftLength: 0,
            unit: 'days',
          },
          participants: [['x', 'x']],
        },
      ],
      overrides: [{ id: 'o', userId: bob.id, start: '2027-03-02T10:00:00Z', end: '2027-03-02T09:00:00Z' }],
    });
    expect(status).toBe(400);
    expect((body as Problem).details).toEqual([
      'timeZone: unknown time zone "Mars/Olympus_Mons": use an IANA name such as Europe/Berlin',
      'layers[1].rotation.shiftLength: the shift length must be positive, not 0',
      'layers[1].participants[0]: a user appears twice in one participant',
      'overrides[0].end: the override ends before it starts',
      `layers[0].participants[1]: user "${MISSING}" does not exist`,
      'layers[1].participants[0][0]: user "x" does not exist',
      'layers[1].participants[0][1]: user "x" does not exist',
    ]);

    // Two layers of one level active at the same time: nothing says who is on call.
    const layer = (id: string) => ({
      id,
      level: 1,
      rotation: { type: 'daily', startDate: '2027-03-01', handoffTime: '09:00' },
      participants: [ann.id],
    });
    const overlap = await tocsin.api('POST', '/v1/schedules', {
      name: 'Overlap',
      timeZone: 'Europe/Berlin',
      layers: [layer('day'), layer('night')],
    });
    expect(overlap.status).toBe(400);
    expect((overlap.body as Problem).details).toEqual([
      'layers[1]: layers "day" and "night" are both on level 1 and both active at 2027-03-01T09:00 local time; ' +
        'give one of them another level or restrictions that do not meet',
    ]);

    for (const [path, reason] of [
      ['on-call?at=2027-03-28T09:30:00', /at must be an ISO 8601 date and time with Z or an offset/],
      ['on-call?at=2027-02-30T09:30:00Z', /at: not a date and time/],
      ['shifts?from=2027-03-28T00:00:00Z&to=2027-03-27T00:00:00Z', /to: must be after from/],
      ['shifts?from=2027-01-01T00:00:00Z&to=2028-06-01T00:00:00Z', /to: at most 400 days after from/],
      ['shifts?cursor=WzFd', /cursor is not one this api handed out/],
      ['shifts?limit=0', /limit must not be less than 1/],
      ['on-call?when=now', /property when should not exist/],
    ] as const) {
      const refused = await tocsin.api('GET', `/v1/schedules/${schedule.id}/${path}`);
      expect({ path, status: refused.status }).toEqual({ path, status: 400 });
      expect((refused.body as Problem).details?.join('\n')).toMatch(reason);
    }
    for (const list of ['/v1/schedules', '/v1/escalation-policies']) {
      // A cursor of the right form that names no id: '["abc"]'.
      const refused = await tocsin.api('GET', `${list}?cursor=WyJhYmMiXQ`);
      expect({ list, status: refused.status }).toEqual({ list, status: 400 });
    }
    expect((await tocsin.api('GET', `/v1/schedules/${MISSING}/on-call`)).status).toBe(404);
    expect((await tocsin.api('GET', '/v1/schedules/not-a-uuid')).status).toBe(400);
    const twin = await tocsin.api('POST', '/v1/schedules', berlinSchedule('BERLIN PRIMARY'));
    expect(twin.status).toBe(409);
    expect((twin.body as Problem).message).toBe('a schedule named BERLIN PRIMARY exists');
  }, 60_000);

  it('changes a schedule and answers from the new definition at once', async () => {
    const patched = await tocsin.api('PATCH', `/v1/schedules/${schedule.id}`, { overrides: [] });
    expect(patched.status).toBe(200);
    expect((await onCall(schedule.id, '2027-03-28T11:00:00+02:00')).shift?.userIds).toEqual([cy.id]);
    const refused = await tocsin.api('PATCH', `/v1/schedules/${schedule.id}`, {
      overrides: [{ id: 'x', userId: MISSING, start: '2027-03-28T10:00:00Z', end: '2027-03-28T11:00:00Z' }],
    });
    expect(refused.status).toBe(400);
    expect((refused.body as Problem).details).toEqual([
      `overrides[0].userId: user "${MISSING}" does not exist`,
    ]);
    expect((await tocsin.api('PATCH', `/v1/schedules/${schedule.id}`, { name: null })).status).toBe(400);
    const replaced = await tocsin.api(
      'PUT',
      `/v1/schedules/${schedule.id}`,
      berlinSchedule('Berlin primary'),
    );
    expect(replaced.status).toBe(200);
    expect((replaced.body as ScheduleView).overrides).toHaveLength(1);
    expect((await onCall(schedule.id, '2027-03-28T11:00:00+02:00')).shift?.userIds).toEqual([dan.id]);
  }, 60_000);

  let policy: EscalationPolicyView;

  it('stores a policy and checks it: a gap before the rotation starts and users nobody can reach', async () => {
    const created = await tocsin.api('POST', '/v1/escalation-policies', {
      name: 'Checkout',
      description: 'Pages the Berlin rotation, then the platform team.',
      steps: [
        { targets: [{ type: 'schedule', id: schedule.id }], delayMinutes: 15 },
        { targets: [{ type: 'team', id: team.id }], delayMinutes: 30 },
      ],
      repeat: 1,
    });
    expect(created.status).toBe(201);
    policy = created.body as EscalationPolicyView;
    expect(policy).toMatchObject({
      name: 'Checkout',
      repeat: 1,
      steps: [
        { delayMinutes: 15, targets: [{ type: 'schedule', id: schedule.id, name: 'Berlin primary' }] },
        { delayMinutes: 30, targets: [{ type: 'team', id: team.id, name: 'Platform' }] },
      ],
    });

    const { status, body } = await tocsin.api(
      'GET',
      `/v1/escalation-policies/${policy.id}/check?from=2027-03-20T00:00:00Z&days=14`,
    );
    expect(status).toBe(200);
    const check = body as PolicyCheckView;
    expect(check).toMatchObject({
      policyId: policy.id,
      from: '2027-03-20T00:00:00.000Z',
      to: '2027-04-03T00:00:00.000Z',
      ok: false,
    });
    expect(check.issues).toEqual([
      {
        kind: 'unreachable',
        step: 0,
        target: { type: 'schedule', id: schedule.id },
        userId: bob.id,
        firstOnCall: '2027-03-27T08:00:00.000Z',
        reason: `step 1: schedule "${schedule.id}": user "${bob.id}" has no usable contact method (on call from 2027-03-27T08:00Z)`,
      },
      {
        kind: 'unreachable',
        step: 0,
        target: { type: 'schedule', id: schedule.id },
        userId: cy.id,
        firstOnCall: '2027-03-28T07:00:00.000Z',
        reason: `step 1: schedule "${schedule.id}": user "${cy.id}" has no usable contact method (on call from 2027-03-28T07:00Z)`,
      },
      {
        kind: 'gap',
        step: 0,
        start: '2027-03-20T00:00:00.000Z',
        end: '2027-03-26T08:00:00.000Z',
        reason:
          'step 1 has nobody on call from 2027-03-20T00:00Z to 2027-03-26T08:00Z; it would pass at once',
      },
      {
        kind: 'unreachable',
        step: 1,
        target: { type: 'team', id: team.id },
        userId: bob.id,
        firstOnCall: '2027-03-20T00:00:00.000Z',
        reason: `step 2: team "${team.id}": member "${bob.id}" has no usable contact method`,
      },
    ]);

    // Without `from`: the next 30 days, all before the rotation starts; the team covers them.
    const ahead = (await tocsin.api('GET', `/v1/escalation-policies/${policy.id}/check`))
      .body as PolicyCheckView;
    expect(ahead.issues.map((i) => [i.kind, i.step])).toEqual([
      ['gap', 0],
      ['unreachable', 1],
    ]);
    for (const query of ['days=0', 'days=91', 'from=tomorrow', 'days=x']) {
      expect((await tocsin.api('GET', `/v1/escalation-policies/${policy.id}/check?${query}`)).status).toBe(
        400,
      );
    }

    const listed = (await tocsin.api('GET', '/v1/escalation-policies')).body as Page<EscalationPolicyView>;
    expect(listed.items.map((p) => p.id)).toEqual([policy.id]);
  }, 60_000);

  it('refuses a policy whose targets do not exist, naming each, and malformed steps with their paths', async () => {
    const { status, body } = await tocsin.api('POST', '/v1/escalation-policies', {
      name: 'Ghosts',
      steps: [
        {
          targets: [
            { type: 'user', id: ann.id },
            { type: 'team', id: MISSING },
            { type: 'schedule', id: 'night-shift' },
          ],
          delayMinutes: 0,
        },
        { targets: [], delayMinutes: 10, escalate: true },
      ],
      repeat: 2,
    });
    expect(status).toBe(400);
    expect((body as Problem).details).toEqual([
      'steps[0].delayMinutes: a whole number of minutes from 1 to 1440',
      'steps[1].escalate: unknown field; expected targets, delayMinutes',
      'steps[1].targets: a step needs a target',
      `steps[0].targets[1]: team "${MISSING}" does not exist`,
      'steps[0].targets[2]: schedule "night-shift" does not exist',
    ]);
    for (const [payload, reason] of [
      [{ name: 'x', steps: [] }, /steps: a policy needs at least one step/],
      [{ name: 'x', steps: 'all' }, /steps must be an array/],
      [
        { name: 'x', steps: [{ targets: [{ type: 'pager', id: 'x' }], delayMinutes: 5 }] },
        /type: one of user/,
      ],
      [
        { name: 'x', repeat: 10, steps: [{ targets: [{ type: 'user', id: ann.id }], delayMinutes: 5 }] },
        /repeat/,
      ],
      [{ steps: [{ targets: [{ type: 'user', id: ann.id }], delayMinutes: 5 }] }, /name must be/],
    ] as const) {
      const refused = await tocsin.api('POST', '/v1/escalation-policies', payload);
      expect(refused.status).toBe(400);
      expect((refused.body as Problem).details?.join('\n')).toMatch(reason);
    }
    const twin = await tocsin.api('POST', '/v1/escalation-policies', {
      name: 'checkout',
      steps: [{ targets: [{ type: 'user', id: ann.id }], delayMinutes: 5 }],
    });
    expect(twin.status).toBe(409);
  }, 60_000);

  it('refuses to delete a user, team or schedule that a policy or schedule names, and names them', async () => {
    const user = await tocsin.api('DELETE', `/v1/users/${bob.id}`);
    expect(user.status).toBe(409);
    expect(user.body).toEqual({
      error: 'conflict',
      message: `user ${bob.id} is named by schedules; remove it from them first`,
      details: [`schedule "Berlin primary" (${schedule.id})`],
    });
    const teamDelete = await tocsin.api('DELETE', `/v1/teams/${team.id}`);
    expect(teamDelete.status).toBe(409);
    expect((teamDelete.body as Problem).details).toEqual([`escalation policy "Checkout" (${policy.id})`]);
    const scheduleDelete = await tocsin.api('DELETE', `/v1/schedules/${schedule.id}`);
    expect(scheduleDelete.status).toBe(409);
    expect((scheduleDelete.body as Problem).message).toBe(
      `schedule ${schedule.id} is named by escalation policies; remove it from them first`,
    );

    // A user both a policy and a schedule name: both are listed.
    const direct = await tocsin.api('PATCH', `/v1/escalation-policies/${policy.id}`, {
      steps: [
        { targets: [{ type: 'user', id: dan.id }], delayMinutes: 5 },
        { targets: [{ type: 'team', id: team.id }], delayMinutes: 30 },
      ],
    });
    expect(direct.status).toBe(200);
    expect((direct.body as EscalationPolicyView).repeat).toBe(1);
    expect((await tocsin.api('DELETE', `/v1/users/${dan.id}`)).body).toMatchObject({
      message: `user ${dan.id} is named by escalation policies and schedules; remove it from them first`,
      details: [`escalation policy "Checkout" (${policy.id})`, `schedule "Berlin primary" (${schedule.id})`],
    });

    // The schedule is no longer targeted: it can go, and then the users it named can too.
    expect((await tocsin.api('DELETE', `/v1/schedules/${schedule.id}`)).status).toBe(204);
    expect((await tocsin.api('GET', `/v1/schedules/${schedule.id}`)).status).toBe(404);
    expect((await tocsin.api('DELETE', `/v1/users/${cy.id}`)).status).toBe(204);

    const replaced = await tocsin.api('PUT', `/v1/escalation-policies/${policy.id}`, {
      name: 'Checkout',
      steps: [{ targets: [{ type: 'user', id: ann.id }], delayMinutes: 10 }],
    });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ description: null, repeat: 0, steps: [{ delayMinutes: 10 }] });
    expect((await tocsin.api('DELETE', `/v1/teams/${team.id}`)).status).toBe(204);
    expect((await tocsin.api('DELETE', `/v1/users/${dan.id}`)).status).toBe(204);
    expect((await tocsin.api('DELETE', `/v1/escalation-policies/${policy.id}`)).status).toBe(204);
    expect((await tocsin.api('DELETE', `/v1/users/${ann.id}`)).status).toBe(204);
    expect((await tocsin.api('GET', `/v1/escalation-policies/${policy.id}`)).status).toBe(404);
  }, 60_000);
});
