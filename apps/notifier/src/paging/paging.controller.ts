import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import {
  ActionTokenRequest,
  ListNotificationsRequest,
  RPC,
  SmsReplyRequest,
  type ActionView,
  type NotificationView,
  type PushPublicKeyView,
  type Page,
  type SmsReplyView,
} from '@tocsin/contracts';
import { NotifierSettings } from '@tocsin/config';
import { OnRequest } from '@tocsin/messaging';
import { ActionsService } from './actions.service';
import { NotificationsQuery } from './notifications.query';

/** Requests from the api: the delivery log, links from pages, SMS replies. */
@Controller()
export class PagingController {
  constructor(
    private readonly notifications: NotificationsQuery,
    private readonly actions: ActionsService,
    private readonly settings: NotifierSettings,
  ) {}

  @OnRequest(RPC.notifier.pushPublicKey)
  pushPublicKey(): PushPublicKeyView {
    const { VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY, VAPID_SUBJECT } = this.settings;
    return { publicKey: VAPID_PUBLIC_KEY && VAPID_PRIVATE_KEY && VAPID_SUBJECT ? VAPID_PUBLIC_KEY : null };
  }

  @OnRequest(RPC.notifier.listNotifications, ListNotificationsRequest)
  list(@Payload() request: ListNotificationsRequest): Promise<Page<NotificationView>> {
    return this.notifications.list(request);
  }

  @OnRequest(RPC.notifier.describeAction, ActionTokenRequest)
  describe(@Payload() request: ActionTokenRequest): Promise<ActionView> {
    return this.actions.describe(request.token);
  }

  @OnRequest(RPC.notifier.performAction, ActionTokenRequest)
  perform(@Payload() request: ActionTokenRequest): Promise<ActionView> {
    return this.actions.perform(request.token);
  }

  @OnRequest(RPC.notifier.smsReply, SmsReplyRequest)
  smsReply(@Payload() request: SmsReplyRequest): Promise<SmsReplyView> {
    return this.actions.smsReply(request);
  }
}
