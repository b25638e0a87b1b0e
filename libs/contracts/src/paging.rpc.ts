import { IsIn, IsObject, IsOptional, IsString, IsUUID, Length, Matches } from 'class-validator';
import type { ContactKind, NoticeKind } from './vocabulary';
import { PageQuery } from './rpc';

/**
 * A delivery's state: `queued` until its time, `sending` while a notifier holds it, then `sent`,
 * `retrying` after a transient failure, `failed` for good, or `cancelled` when the incident was
 * acknowledged or resolved before it went out.
 */
export const DELIVERY_STATUSES = ['queued', 'sending', 'sent', 'retrying', 'failed', 'cancelled'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export class ListNotificationsRequest extends PageQuery {
  @IsOptional()
  @IsUUID()
  incidentId?: string;

  @IsOptional()
  @IsUUID()
  userId?: string;

  @IsOptional()
  @IsIn(DELIVERY_STATUSES)
  status?: DeliveryStatus;
}

export interface NotificationView {
  id: string;
  incidentId: string;
  notice: NoticeKind;
  userId: string;
  contactMethodId: string;
  channel: ContactKind;
  /** The address it went to; phone numbers and emails as stored, URLs without their query. */
  address: string;
  /** The escalation step and pass of a page (from 0). */
  step: number | null;
  repeat: number | null;
  status: DeliveryStatus;
  attempts: number;
  /** When it is due (queued, retrying) or was last tried. */
  nextAttemptAt: string;
  providerMessageId: string | null;
  error: string | null;
  createdAt: string;
  sentAt: string | null;
}

/** A signed link from a page: act on one incident without logging in. */
export class ActionTokenRequest {
  @IsString()
  @Length(1, 1000)
  @Matches(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, { message: 'token is not a Tocsin action link' })
  token: string;
}

export interface ActionView {
  action: 'acknowledge' | 'resolve';
  incident: { id: string; number: number; title: string; status: string };
  /** Who the link was made for. */
  userName: string;
  expiresAt: string;
}

/** An SMS reply as Twilio posts it to the inbound-message webhook. */
export class SmsReplyRequest {
  /** The full URL Twilio posted to, as configured there: the signature covers it. */
  @IsString()
  @Length(1, 2000)
  url: string;

  /** The form fields Twilio sent (From, To, Body, MessageSid, …). */
  @IsObject()
  params: Record<string, string>;

  /** The X-Twilio-Signature header. */
  @IsString()
  @Length(0, 200)
  signature: string;
}

export interface SmsReplyView {
  /** What to text back. */
  message: string;
}

export interface PushPublicKeyView {
  /** The VAPID public key (base64url) for `pushManager.subscribe`; null while push is off. */
  publicKey: string | null;
}
