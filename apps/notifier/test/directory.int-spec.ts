import { NotifierSettings } from '@tocsin/config';
import type { ContactKind, UserView } from '@tocsin/contracts';
import { openDataSource } from '@tocsin/persistence';
import { createTestInstallation, type TestInstallation } from '@tocsin/testing';
import { PinoLogger } from 'nestjs-pino';
import type { DataSource } from 'typeorm';
import { Clock } from '../src/clock';
import { DirectoryService } from '../src/directory/directory.service';
import { planStep } from '../src/escalation/escalation-plan';
import { CompiledSchedules } from '../src/on-call/compiled-schedules';
import { PoliciesService } from '../src/on-call/policies.service';
import { SchedulesService } from '../src/on-call/schedules.service';
import { ChannelsService } from '../src/paging/channels.service';
import { PeopleService } from '../src/people/people.service';
import { SCHEMA } from '../src/schema';

const HOUR = 3_600_000;
/** Monday 1 March 2027, 09:00 in Berlin (CET). */
const MONDAY_9 = Date.UTC(2027, 2, 1, 8);
const offChannels = (kind: ContactKind) => kind !== 'email';

describe('the directory paging reads from the database', () => {
  let installation: TestInstallation;
  let dataSource: DataSource;
  let compiled: CompiledSchedules;
  let directory: DirectoryService;
  let people: PeopleService;
  let schedules: SchedulesService;
  let policies: PoliciesService;
  let ann: UserView;
  let bob: UserView;
  let cy: UserView;

  beforeAll(async () => {
    installation = await createTestInstallation('directory');
    dataSource = await openDataSource(installation.databaseUrl, SCHEMA);
    const logger = new PinoLogger({ pinoHttp: { level: 'silent' } });
    const settings = new NotifierSettings();
    const clock = new Clock();
    compiled = new CompiledSchedules(logger);
    directory = new DirectoryService(dataSource, compiled);
    people = new PeopleService(dataSource);
    schedules = new SchedulesService(dataSource, compiled, settings, clock);
    policies = new PoliciesService(dataSource, directory, clock, new ChannelsService(settings));

    ann = await people.createUser({ name: 'Ann', email: 'ann@example.com', timeZone: 'Europe/Berlin' });
    bob = await people.createUser({ name: 'Bob', email: 'bob@example.com', timeZone: 'Europe/Berlin' });
    cy = await people.createUser({ name: 'Cy', email: 'cy@example.com', timeZone: 'Europe/Berlin' });
  }, 30_000);

  afterAll(async () => {
    await dataSource?.destroy();
    await installation?.cleanup();
  }, 30_000);

  async function method(user: UserView, kind: ContactKind, address: string, delayMinutes: number) {
    const added = await people.addContactMethod({ userId: user.id, kind, address });
    await people.addNotificationRule({ userId: user.id, contactMethodId: added.id, delayMinutes });
    return added;
  }

  it('answers policies, team members, who is on call and usable rules, scoped to the policies asked for', async () => {
    const annHook = await method(ann, 'webhook', 'https://hooks.example.com/ann', 0);
    const annMail = await method(ann, 'email', 'ann@example.com', 5);
    const annSms = await method(ann, 'sms', '+14155550100', 10);
    // A method whose deliveries stopped for good is not usable, whatever its channel.
    await dataSource.query(`UPDATE notifier.contact_methods SET disabled_reason = 'gone' WHERE id = $1`, [
      annSms.id,
    ]);
    await method(bob, 'email', 'bob@example.com', 0);
    const dee = await people.createUser({ name: 'Dee', email: 'dee@example.com', timeZone: 'UTC' });

    const team = await people.createTeam({ name: 'Payments', memberIds: [ann.id, bob.id] });
    const empty = await people.createTeam({ name: 'Nobody' });
    const schedule = await schedules.create({
      name: 'Weekdays',
      timeZone: 'Europe/Berlin',
      layers: [
        {
          id: 'days',
          rotation: { type: 'daily', startDate: '2027-03-01', handoffTime: '09:00' },
          participants: [bob.id, [ann.id, cy.id]],
        },
      ],
    });
    const policy = await policies.create({
      name: 'Payments',
      steps: [
        { targets: [{ type: 'schedule', id: schedule.id }], delayMinutes: 10 },
        {
          targets: [
            { type: 'team', id: team.id },
            { type: 'team', id: empty.id },
          ],
          delayMinutes: 20,
        },
      ],
      repeat: 2,
    });
    const other = await policies.create({
      name: 'Other',
      steps: [{ targets: [{ type: 'user', id: cy.id }], delayMinutes: 5 }],
    });

    const loaded = await directory.load({ usable: offChannels, policyIds: [policy.id.toUpperCase()] });
    expect([...loaded.policies.keys()]).toEqual([policy.id]);
    expect(loaded.policies.get(policy.id)).toEqual({
      repeat: 2,
      steps: [
        { delayMinutes: 10, targets: [{ type: 'schedule', id: schedule.id }] },
        {
          delayMinutes: 20,
          targets: [
            { type: 'team', id: team.id },
            { type: 'team', id: empty.id },
          ],
        },
      ],
    });
    const d = loaded.directory;
    expect([...(d.teamMembers(team.id) ?? [])].sort()).toEqual([ann.id, bob.id].sort());
    expect(d.teamMembers(empty.id)).toEqual([]);
    expect(d.onCall(schedule.id, MONDAY_9 - 1)).toEqual([]);
    expect(d.onCall(schedule.id, MONDAY_9)).toEqual([bob.id]);
    expect(d.onCall(schedule.id, MONDAY_9 + 24 * HOUR)).toEqual([ann.id, cy.id]);
    expect(d.shifts(schedule.id, MONDAY_9, MONDAY_9 + 48 * HOUR)?.map((s) => s.userIds)).toEqual([
      [bob.id],
      [ann.id, cy.id],
    ]);
    expect(d.notificationRules(ann.id)).toEqual([
      { afterMinutes: 0, method: { id: annHook.id, channel: 'webhook', usable: true } },
      { afterMinutes: 5, method: { id: annMail.id, channel: 'email', usable: false } },
      { afterMinutes: 10, method: { id: annSms.id, channel: 'sms', usable: false } },
    ]);
    expect(d.notificationRules(cy.id)).toEqual([]);
    // Scoped: what the policy names and nothing else.
    expect(loaded.policies.get(other.id)).toBeUndefined();
    expect(d.notificationRules(dee.id)).toBeNull();

    const plan = planStep({
      incidentId: 'i1',
      policy: loaded.policies.get(policy.id)!,
      directory: d,
      repeat: 0,
      step: 0,
      startsAt: MONDAY_9 + 24 * HOUR,
    });
    expect(plan.pages.map((p) => [p.userId, p.contactMethodId])).toEqual([[ann.id, annHook.id]]);
    expect(plan.unreachable).toEqual([cy.id]);

    const everything = await directory.load({ usable: () => true });
    expect([...everything.policies.keys()].sort()).toEqual([policy.id, other.id].sort());
    expect(everything.directory.notificationRules(bob.id)).toHaveLength(1);
    expect(everything.directory.notificationRules(dee.id)).toEqual([]);
    expect(everything.directory.teamMembers('01900000-0000-7000-8000-00000000dead')).toBeNull();
    expect(everything.directory.notificationRules('01900000-0000-7000-8000-00000000dead')).toBeNull();
  }, 30_000);

  it('compiles a schedule once per change, whichever replica made the change', async () => {
    const created = await schedules.create({
      name: 'Nights',
      timeZone: 'Europe/Berlin',
      layers: [
        {
          id: 'nights',
          rotation: { type: 'daily', startDate: '2027-03-01', handoffTime: '22:00' },
          participants: [ann.id],
        },
      ],
    });
    const first = (await compiled.load(dataSource.manager, [created.id])).get(created.id);
    const again = (await compiled.load(dataSource.manager, [created.id])).get(created.id);
    expect(again).toBe(first);

    // Another replica changes it: this one sees the new revision and compiles it once more.
    const replica = new SchedulesService(
      dataSource,
      new CompiledSchedules(new PinoLogger({ pinoHttp: { level: 'silent' } })),
      new NotifierSettings(),
      new Clock(),
    );
    await replica.update({
      id: created.id,
      layers: [
        {
          id: 'nights',
          rotation: { type: 'daily', startDate: '2027-03-01', handoffTime: '22:00' },
          participants: [bob.id],
        },
      ],
    });
    const changed = (await compiled.load(dataSource.manager, [created.id])).get(created.id);
    expect(changed).not.toBe(first);
    expect(changed?.layers[0].participants).toEqual([[bob.id]]);
    // A change of name alone compiles nothing again.
    await replica.update({ id: created.id, name: 'Night shift' });
    expect((await compiled.load(dataSource.manager, [created.id])).get(created.id)).toBe(changed);

    await replica.remove({ id: created.id });
    expect((await compiled.load(dataSource.manager, [created.id])).size).toBe(0);
    expect((await compiled.load(dataSource.manager, null)).has(created.id)).toBe(false);
  }, 30_000);

  it('treats a stored schedule that no longer validates as one with nobody on call', async () => {
    const created = await schedules.create({
      name: 'Doomed',
      timeZone: 'Europe/Berlin',
      layers: [
        {
          id: 'l',
          rotation: { type: 'hourly', startDate: '2027-03-01', handoffTime: '00:00' },
          participants: [ann.id],
        },
      ],
    });
    await dataSource.query(
      `UPDATE notifier.schedules SET time_zone = 'Atlantis/Capital', revision = revision + 1 WHERE id = $1`,
      [created.id],
    );
    const schedule = (await compiled.load(dataSource.manager, [created.id])).get(created.id);
    expect(schedule).toEqual({ timeZone: 'UTC', layers: [], overrides: [] });
  }, 30_000);
});
