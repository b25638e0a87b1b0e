import { Controller, Get, Param, Query } from '@nestjs/common';
import {
  ListNotificationsRequest,
  RPC,
  type NotificationView,
  type Page,
  type PushPublicKeyView,
} from '@tocsin/contracts';
import { RpcGateway } from '../gateway/rpc.gateway';
import { UUID_PARAM } from '../gateway/uuid-param.pipe';

/** The delivery log: every page and notice with its state, attempts and the provider's answer. */
@Controller('v1')
export class NotificationsController {
  constructor(private readonly gateway: RpcGateway) {}

  @Get('notifications')
  list(@Query() query: ListNotificationsRequest): Promise<Page<NotificationView>> {
    return this.gateway.call(RPC.notifier.listNotifications, query);
  }

  /** What a browser needs to subscribe to pushes; register the subscription as a `push` contact method. */
  @Get('push/public-key')
  pushPublicKey(): Promise<PushPublicKeyView> {
    return this.gateway.call(RPC.notifier.pushPublicKey, {});
  }

  @Get('incidents/:id/notifications')
  forIncident(
    @Param('id', UUID_PARAM) incidentId: string,
    @Query() query: ListNotificationsRequest,
  ): Promise<Page<NotificationView>> {
    return this.gateway.call(RPC.notifier.listNotifications, { ...query, incidentId });
  }
}
