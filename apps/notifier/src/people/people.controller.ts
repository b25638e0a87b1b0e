import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import {
  AddContactMethodRequest,
  AddNotificationRuleRequest,
  IdRequest,
  ListUsersRequest,
  PageQuery,
  RPC,
  TeamBody,
  UpdateTeamRequest,
  UpdateUserRequest,
  UserBody,
  UserChildRequest,
  type ContactMethodView,
  type NotificationRuleView,
  type Page,
  type TeamView,
  type UserView,
} from '@tocsin/contracts';
import { OnRequest } from '@tocsin/messaging';
import { PeopleService } from './people.service';

/** Requests from the api about users, their contact methods and rules, and teams. */
@Controller()
export class PeopleController {
  constructor(private readonly people: PeopleService) {}

  @OnRequest(RPC.notifier.createUser, UserBody)
  createUser(@Payload() request: UserBody): Promise<UserView> {
    return this.people.createUser(request);
  }

  @OnRequest(RPC.notifier.listUsers, ListUsersRequest)
  listUsers(@Payload() request: ListUsersRequest): Promise<Page<UserView>> {
    return this.people.listUsers(request);
  }

  @OnRequest(RPC.notifier.getUser, IdRequest)
  getUser(@Payload() request: IdRequest): Promise<UserView> {
    return this.people.getUser(request);
  }

  @OnRequest(RPC.notifier.updateUser, UpdateUserRequest)
  updateUser(@Payload() request: UpdateUserRequest): Promise<UserView> {
    return this.people.updateUser(request);
  }

  @OnRequest(RPC.notifier.deleteUser, IdRequest)
  deleteUser(@Payload() request: IdRequest): Promise<{ deleted: true }> {
    return this.people.deleteUser(request);
  }

  @OnRequest(RPC.notifier.addContactMethod, AddContactMethodRequest)
  addContactMethod(@Payload() request: AddContactMethodRequest): Promise<ContactMethodView> {
    return this.people.addContactMethod(request);
  }

  @OnRequest(RPC.notifier.deleteContactMethod, UserChildRequest)
  deleteContactMethod(@Payload() request: UserChildRequest): Promise<{ deleted: true }> {
    return this.people.deleteContactMethod(request);
  }

  @OnRequest(RPC.notifier.addNotificationRule, AddNotificationRuleRequest)
  addNotificationRule(@Payload() request: AddNotificationRuleRequest): Promise<NotificationRuleView> {
    return this.people.addNotificationRule(request);
  }

  @OnRequest(RPC.notifier.deleteNotificationRule, UserChildRequest)
  deleteNotificationRule(@Payload() request: UserChildRequest): Promise<{ deleted: true }> {
    return this.people.deleteNotificationRule(request);
  }

  @OnRequest(RPC.notifier.createTeam, TeamBody)
  createTeam(@Payload() request: TeamBody): Promise<TeamView> {
    return this.people.createTeam(request);
  }

  @OnRequest(RPC.notifier.listTeams, PageQuery)
  listTeams(@Payload() request: PageQuery): Promise<Page<TeamView>> {
    return this.people.listTeams(request);
  }

  @OnRequest(RPC.notifier.getTeam, IdRequest)
  getTeam(@Payload() request: IdRequest): Promise<TeamView> {
    return this.people.getTeam(request);
  }

  @OnRequest(RPC.notifier.updateTeam, UpdateTeamRequest)
  updateTeam(@Payload() request: UpdateTeamRequest): Promise<TeamView> {
    return this.people.updateTeam(request);
  }

  @OnRequest(RPC.notifier.deleteTeam, IdRequest)
  deleteTeam(@Payload() request: IdRequest): Promise<{ deleted: true }> {
    return this.people.deleteTeam(request);
  }
}
