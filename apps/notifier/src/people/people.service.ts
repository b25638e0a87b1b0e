import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import {
  type AddContactMethodRequest,
  type AddNotificationRuleRequest,
  type ContactMethodView,
  type IdRequest,
  type ListUsersRequest,
  type NotificationRuleView,
  type Page,
  type PageQuery,
  type TeamBody,
  type TeamView,
  type UpdateTeamRequest,
  type UpdateUserRequest,
  type UserBody,
  type UserChildRequest,
  type UserView,
} from '@tocsin/contracts';
import { RpcFailure, uuidv7 } from '@tocsin/messaging';
import { decodeCursor, encodeCursor } from '@tocsin/persistence';
import { DataSource, type EntityManager } from 'typeorm';
import { validateContactAddress, type ContactAddress } from '../contacts/contact-method';
import { isForeignKeyViolation, isUniqueViolation } from '../database-errors';
import { stillNamed } from '../on-call/references';
import { ContactMethod, NotificationRule, Team, TeamMember, User } from './people.entities';

function conflict(message: string): RpcFailure {
  return new RpcFailure(409, 'conflict', message);
}

function afterCursor(cursor: string | undefined): string | undefined {
  if (!cursor) return undefined;
  const parts = decodeCursor(cursor);
  if (!parts || typeof parts[0] !== 'string')
    throw RpcFailure.invalid(['cursor is not one this api handed out']);
  return parts[0];
}

function contactView(m: ContactMethod, withSecret = false): ContactMethodView {
  return {
    id: m.id,
    userId: m.userId,
    kind: m.kind,
    address: m.address,
    label: m.label,
    disabledReason: m.disabledReason,
    createdAt: m.createdAt.toISOString(),
    ...(withSecret && m.secret ? { secret: m.secret } : {}),
  };
}

function ruleView(r: NotificationRule): NotificationRuleView {
  return { id: r.id, contactMethodId: r.contactMethodId, delayMinutes: r.delayMinutes, notices: r.notices };
}

/** Users, their contact methods and notification rules, and teams. */
@Injectable()
export class PeopleService {
  constructor(private readonly dataSource: DataSource) {}

  async createUser(body: UserBody): Promise<UserView> {
    const user = Object.assign(new User(), {
      id: uuidv7(),
      name: body.name,
      email: body.email.toLowerCase(),
      timeZone: body.timeZone,
    });
    try {
      await this.dataSource.getRepository(User).insert(user);
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict(`a user with email ${user.email} exists`);
      throw error;
    }
    return this.getUser({ id: user.id });
  }

  async listUsers(request: ListUsersRequest): Promise<Page<UserView>> {
    const limit = request.limit ?? 50;
    const q = this.dataSource
      .getRepository(User)
      .createQueryBuilder('u')
      .orderBy('u.id', 'ASC')
      .take(limit + 1);
    const after = afterCursor(request.cursor);
    if (after) q.andWhere('u.id > :after', { after });
    if (request.q) {
      const like = `%${request.q.replace(/[\\%_]/g, (c) => `\\${c}`).toLowerCase()}%`;
      q.andWhere('(lower(u.name) LIKE :like OR u.email LIKE :like)', { like });
    }
    const rows = await q.getMany();
    const page = rows.slice(0, limit);
    const views = await this.views(this.dataSource.manager, page);
    const last = page[page.length - 1];
    return { items: views, nextCursor: rows.length > limit && last ? encodeCursor([last.id]) : null };
  }

  async getUser(request: IdRequest): Promise<UserView> {
    const user = await this.dataSource.getRepository(User).findOneBy({ id: request.id });
    if (!user) throw RpcFailure.notFound('user', request.id);
    const [view] = await this.views(this.dataSource.manager, [user]);
    return view;
  }

  async updateUser(request: UpdateUserRequest): Promise<UserView> {
    const { id, ...patch } = request;
    const changes: Partial<User> = {};
    if (patch.name !== undefined) changes.name = patch.name;
    if (patch.email !== undefined) changes.email = patch.email.toLowerCase();
    if (patch.timeZone !== undefined) changes.timeZone = patch.timeZone;
    try {
      const result = Object.keys(changes).length
        ? await this.dataSource.getRepository(User).update({ id }, changes)
        : { affected: (await this.dataSource.getRepository(User).countBy({ id })) as number | undefined };
      if (!result.affected) throw RpcFailure.notFound('user', id);
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict(`a user with email ${changes.email} exists`);
      throw error;
    }
    return this.getUser({ id });
  }

  /**
   * Deletes a user with their contact methods, rules and team memberships; refused (409, naming them)
   * while an escalation policy targets the user or a schedule names them.
   */
  async deleteUser(request: IdRequest): Promise<{ deleted: true }> {
    try {
      const result = await this.dataSource.getRepository(User).delete({ id: request.id });
      if (!result.affected) throw RpcFailure.notFound('user', request.id);
    } catch (error) {
      if (isForeignKeyViolation(error)) throw await stillNamed(this.dataSource.manager, 'user', request.id);
      throw error;
    }
    return { deleted: true };
  }

  /**
   * Adds a way to reach a user, after checking the address for its kind. A webhook gets a signing
   * secret, shown in this answer only.
   */
  async addContactMethod(request: AddContactMethodRequest): Promise<ContactMethodView> {
    await this.requireUser(request.userId);
    const given = request.kind === 'push' ? request.subscription : request.address;
    if (given === undefined) {
      throw RpcFailure.invalid([
        request.kind === 'push'
          ? 'subscription is required for push'
          : `address is required for ${request.kind}`,
      ]);
    }
    const checked = validateContactAddress(request.kind, given);
    if (!checked.ok)
      throw RpcFailure.invalid([
        `${request.kind === 'push' ? 'subscription' : 'address'}: ${checked.reason}`,
      ]);
    const value = checked.value;
    const method = Object.assign(new ContactMethod(), {
      id: uuidv7(),
      userId: request.userId,
      kind: request.kind,
      address: storedAddress(value),
      label: request.label ?? null,
      subscription:
        value.channel === 'push'
          ? { endpoint: value.subscription.endpoint, keys: value.subscription.keys }
          : null,
      secret: request.kind === 'webhook' ? `whsec_${randomBytes(32).toString('base64url')}` : null,
      disabledReason: null,
    });
    try {
      await this.dataSource.getRepository(ContactMethod).insert(method);
    } catch (error) {
      if (isUniqueViolation(error))
        throw conflict(`the user already has this ${request.kind} contact method`);
      throw error;
    }
    const saved = await this.dataSource.getRepository(ContactMethod).findOneByOrFail({ id: method.id });
    return contactView(saved, true);
  }

  async deleteContactMethod(request: UserChildRequest): Promise<{ deleted: true }> {
    const result = await this.dataSource
      .getRepository(ContactMethod)
      .delete({ id: request.id, userId: request.userId });
    if (!result.affected) throw RpcFailure.notFound('contact method', request.id);
    return { deleted: true };
  }

  async addNotificationRule(request: AddNotificationRuleRequest): Promise<NotificationRuleView> {
    await this.requireUser(request.userId);
    const method = await this.dataSource
      .getRepository(ContactMethod)
      .findOneBy({ id: request.contactMethodId, userId: request.userId });
    if (!method) {
      throw RpcFailure.invalid([
        `contactMethodId: ${request.contactMethodId} is not a contact method of this user`,
      ]);
    }
    const rule = Object.assign(new NotificationRule(), {
      id: uuidv7(),
      userId: request.userId,
      contactMethodId: request.contactMethodId,
      delayMinutes: request.delayMinutes,
      notices: request.notices ?? false,
    });
    try {
      await this.dataSource.getRepository(NotificationRule).insert(rule);
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw conflict(`this contact method already has a rule at ${request.delayMinutes} minutes`);
      }
      throw error;
    }
    return ruleView(rule);
  }

  async deleteNotificationRule(request: UserChildRequest): Promise<{ deleted: true }> {
    const result = await this.dataSource
      .getRepository(NotificationRule)
      .delete({ id: request.id, userId: request.userId });
    if (!result.affected) throw RpcFailure.notFound('notification rule', request.id);
    return { deleted: true };
  }

  async createTeam(body: TeamBody): Promise<TeamView> {
    const id = uuidv7();
    await this.dataSource.transaction(async (em) => {
      try {
        await em.getRepository(Team).insert({ id, name: body.name, description: body.description ?? null });
      } catch (error) {
        if (isUniqueViolation(error)) throw conflict(`a team named ${body.name} exists`);
        throw error;
      }
      await this.setMembers(em, id, body.memberIds ?? []);
    });
    return this.getTeam({ id });
  }

  async listTeams(request: PageQuery): Promise<Page<TeamView>> {
    const limit = request.limit ?? 50;
    const q = this.dataSource
      .getRepository(Team)
      .createQueryBuilder('t')
      .orderBy('t.id', 'ASC')
      .take(limit + 1);
    const after = afterCursor(request.cursor);
    if (after) q.andWhere('t.id > :after', { after });
    const rows = await q.getMany();
    const page = rows.slice(0, limit);
    const members = await this.membersOf(page.map((t) => t.id));
    const last = page[page.length - 1];
    return {
      items: page.map((t) => teamView(t, members.get(t.id) ?? [])),
      nextCursor: rows.length > limit && last ? encodeCursor([last.id]) : null,
    };
  }

  async getTeam(request: IdRequest): Promise<TeamView> {
    const team = await this.dataSource.getRepository(Team).findOneBy({ id: request.id });
    if (!team) throw RpcFailure.notFound('team', request.id);
    const members = await this.membersOf([team.id]);
    return teamView(team, members.get(team.id) ?? []);
  }

  async updateTeam(request: UpdateTeamRequest): Promise<TeamView> {
    await this.dataSource.transaction(async (em) => {
      const team = await em
        .getRepository(Team)
        .findOne({ where: { id: request.id }, lock: { mode: 'pessimistic_write' } });
      if (!team) throw RpcFailure.notFound('team', request.id);
      const changes: Partial<Team> = {};
      if (request.name !== undefined) changes.name = request.name;
      if (request.description !== undefined) changes.description = request.description;
      if (Object.keys(changes).length) {
        try {
          await em.getRepository(Team).update({ id: request.id }, changes);
        } catch (error) {
          if (isUniqueViolation(error)) throw conflict(`a team named ${request.name} exists`);
          throw error;
        }
      }
      if (request.memberIds) await this.setMembers(em, request.id, request.memberIds);
    });
    return this.getTeam({ id: request.id });
  }

  /** Deletes a team; refused (409, naming them) while an escalation policy targets it. */
  async deleteTeam(request: IdRequest): Promise<{ deleted: true }> {
    try {
      const result = await this.dataSource.getRepository(Team).delete({ id: request.id });
      if (!result.affected) throw RpcFailure.notFound('team', request.id);
    } catch (error) {
      if (isForeignKeyViolation(error)) throw await stillNamed(this.dataSource.manager, 'team', request.id);
      throw error;
    }
    return { deleted: true };
  }

  private async requireUser(id: string): Promise<void> {
    if (!(await this.dataSource.getRepository(User).existsBy({ id }))) throw RpcFailure.notFound('user', id);
  }

  private async setMembers(em: EntityManager, teamId: string, userIds: string[]): Promise<void> {
    if (userIds.length) {
      const found: { id: string }[] = await em.query(
        `SELECT "id" FROM "notifier"."users" WHERE "id" = ANY($1::uuid[])`,
        [userIds],
      );
      const known = new Set(found.map((r) => r.id));
      const missing = userIds.filter((id) => !known.has(id));
      if (missing.length)
        throw RpcFailure.invalid(missing.map((id) => `memberIds: user ${id} does not exist`));
    }
    await em.getRepository(TeamMember).delete({ teamId });
    if (userIds.length)
      await em.getRepository(TeamMember).insert(userIds.map((userId) => ({ teamId, userId })));
  }

  private async membersOf(teamIds: string[]): Promise<Map<string, TeamView['members']>> {
    const byTeam = new Map<string, TeamView['members']>();
    if (!teamIds.length) return byTeam;
    const rows: { team_id: string; id: string; name: string; email: string }[] = await this.dataSource.query(
      `SELECT m."team_id", u."id", u."name", u."email" FROM "notifier"."team_members" m
       JOIN "notifier"."users" u ON u."id" = m."user_id"
       WHERE m."team_id" = ANY($1::uuid[]) ORDER BY u."name", u."id"`,
      [teamIds],
    );
    for (const r of rows)
      byTeam.set(r.team_id, [...(byTeam.get(r.team_id) ?? []), { id: r.id, name: r.name, email: r.email }]);
    return byTeam;
  }

  private async views(em: EntityManager, users: User[]): Promise<UserView[]> {
    if (!users.length) return [];
    const ids = users.map((u) => u.id);
    const [methods, rules] = await Promise.all([
      em
        .getRepository(ContactMethod)
        .createQueryBuilder('m')
        .where('m.userId IN (:...ids)', { ids })
        .orderBy('m.createdAt')
        .addOrderBy('m.id')
        .getMany(),
      em
        .getRepository(NotificationRule)
        .createQueryBuilder('r')
        .where('r.userId IN (:...ids)', { ids })
        .orderBy('r.delayMinutes')
        .addOrderBy('r.id')
        .getMany(),
    ]);
    return users.map((u) => ({
      id: u.id,
      name: u.name,
      email: u.email,
      timeZone: u.timeZone,
      createdAt: u.createdAt.toISOString(),
      contactMethods: methods.filter((m) => m.userId === u.id).map((m) => contactView(m)),
      notificationRules: rules.filter((r) => r.userId === u.id).map(ruleView),
    }));
  }
}

/** What is stored as a contact method's address: for push, the subscription's endpoint. */
function storedAddress(value: ContactAddress): string {
  switch (value.channel) {
    case 'email':
      return value.address;
    case 'sms':
    case 'voice':
      return value.number;
    case 'push':
      return value.subscription.endpoint;
    case 'webhook':
    case 'slack':
      return value.url;
  }
}

function teamView(team: Team, members: TeamView['members']): TeamView {
  return {
    id: team.id,
    name: team.name,
    description: team.description,
    members,
    createdAt: team.createdAt.toISOString(),
  };
}
