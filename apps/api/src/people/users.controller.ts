import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ContactMethodBody,
  ListUsersRequest,
  NotificationRuleBody,
  RPC,
  UserBody,
  UserPatch,
  type ContactMethodView,
  type NotificationRuleView,
  type Page,
  type UserView,
} from '@tocsin/contracts';
import { RpcGateway } from '../gateway/rpc.gateway';
import { UUID_PARAM } from '../gateway/uuid-param.pipe';

/** People who can be paged: how to reach them (contact methods) and when (notification rules). */
@Controller('v1/users')
export class UsersController {
  constructor(private readonly gateway: RpcGateway) {}

  @Post()
  create(@Body() body: UserBody): Promise<UserView> {
    return this.gateway.call(RPC.notifier.createUser, body);
  }

  @Get()
  list(@Query() query: ListUsersRequest): Promise<Page<UserView>> {
    return this.gateway.call(RPC.notifier.listUsers, query);
  }

  @Get(':id')
  get(@Param('id', UUID_PARAM) id: string): Promise<UserView> {
    return this.gateway.call(RPC.notifier.getUser, { id });
  }

  @Patch(':id')
  update(@Param('id', UUID_PARAM) id: string, @Body() body: UserPatch): Promise<UserView> {
    return this.gateway.call(RPC.notifier.updateUser, { ...body, id });
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Param('id', UUID_PARAM) id: string): Promise<void> {
    await this.gateway.call(RPC.notifier.deleteUser, { id });
  }

  /** A webhook contact method's signing secret is in this answer and nowhere else. */
  @Post(':id/contact-methods')
  addContactMethod(
    @Param('id', UUID_PARAM) userId: string,
    @Body() body: ContactMethodBody,
  ): Promise<ContactMethodView> {
    return this.gateway.call(RPC.notifier.addContactMethod, { ...body, userId });
  }

  @Delete(':id/contact-methods/:methodId')
  @HttpCode(204)
  async removeContactMethod(
    @Param('id', UUID_PARAM) userId: string,
    @Param('methodId', UUID_PARAM) id: string,
  ): Promise<void> {
    await this.gateway.call(RPC.notifier.deleteContactMethod, { userId, id });
  }

  @Post(':id/notification-rules')
  addNotificationRule(
    @Param('id', UUID_PARAM) userId: string,
    @Body() body: NotificationRuleBody,
  ): Promise<NotificationRuleView> {
    return this.gateway.call(RPC.notifier.addNotificationRule, { ...body, userId });
  }

  @Delete(':id/notification-rules/:ruleId')
  @HttpCode(204)
  async removeNotificationRule(
    @Param('id', UUID_PARAM) userId: string,
    @Param('ruleId', UUID_PARAM) id: string,
  ): Promise<void> {
    await this.gateway.call(RPC.notifier.deleteNotificationRule, { userId, id });
  }
}
