import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsEmail,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsTimeZone,
  IsUUID,
  Length,
  Max,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { PageQuery, present } from './rpc';
import { CONTACT_KINDS, type ContactKind } from './vocabulary';

const trimmed = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? value.trim() : value;

export class UserBody {
  @Transform(trimmed)
  @IsString()
  @Length(1, 200)
  name: string;

  @Transform(trimmed)
  @IsEmail({}, { message: 'email must be an email address' })
  @Length(3, 254)
  email: string;

  /** An IANA time zone, e.g. `Europe/Berlin`; schedules and quiet hours read it. */
  @IsTimeZone({ message: 'timeZone must be an IANA time zone such as Europe/Berlin' })
  timeZone: string;
}

export class UserPatch {
  @ValidateIf(present)
  @Transform(trimmed)
  @IsString()
  @Length(1, 200)
  name?: string;

  @ValidateIf(present)
  @Transform(trimmed)
  @IsEmail({}, { message: 'email must be an email address' })
  @Length(3, 254)
  email?: string;

  @ValidateIf(present)
  @IsTimeZone({ message: 'timeZone must be an IANA time zone such as Europe/Berlin' })
  timeZone?: string;
}

export class UpdateUserRequest extends UserPatch {
  @IsUUID()
  id: string;
}

export class ListUsersRequest extends PageQuery {
  /** Name or email contains this (case-insensitive). */
  @IsOptional()
  @IsString()
  @Length(1, 200)
  q?: string;
}

export class PushKeys {
  @IsString()
  @Length(1, 200)
  p256dh: string;

  @IsString()
  @Length(1, 100)
  auth: string;
}

/** A browser's PushSubscription, as `subscription.toJSON()` gives it. */
export class PushSubscriptionBody {
  @IsString()
  @Length(1, 2000)
  endpoint: string;

  @ValidateNested()
  @Type(() => PushKeys)
  keys: PushKeys;
}

export class ContactMethodBody {
  @IsIn(CONTACT_KINDS)
  kind: ContactKind;

  /**
   * An email address (email), an E.164 number (sms, voice), an https URL (webhook, slack). For
   * push, the subscription's endpoint; leave it out and give `subscription`.
   */
  @IsOptional()
  @Transform(trimmed)
  @IsString()
  @Length(1, 2000)
  address?: string;

  @IsOptional()
  @Transform(trimmed)
  @IsString()
  @Length(1, 100)
  label?: string;

  @IsOptional()
  @ValidateNested()
  @Type(() => PushSubscriptionBody)
  subscription?: PushSubscriptionBody;
}

export class AddContactMethodRequest extends ContactMethodBody {
  @IsUUID()
  userId: string;
}

export class UserChildRequest {
  @IsUUID()
  userId: string;

  @IsUUID()
  id: string;
}

export class NotificationRuleBody {
  @IsUUID()
  contactMethodId: string;

  /** Minutes after a page reaches this person that this method is used (0: at once). */
  @IsInt()
  @Min(0)
  @Max(1440)
  delayMinutes: number;

  /** Also tell this method when an incident this person was paged for is acknowledged or resolved. */
  @IsOptional()
  @IsBoolean()
  notices?: boolean;
}

export class AddNotificationRuleRequest extends NotificationRuleBody {
  @IsUUID()
  userId: string;
}

export interface ContactMethodView {
  id: string;
  userId: string;
  kind: ContactKind;
  address: string;
  label: string | null;
  /** Set when deliveries stopped for good (a push subscription gone); the method is skipped. */
  disabledReason: string | null;
  createdAt: string;
  /** Webhooks: the signing secret, shown once, when the method is created. */
  secret?: string;
}

export interface NotificationRuleView {
  id: string;
  contactMethodId: string;
  delayMinutes: number;
  notices: boolean;
}

export interface UserView {
  id: string;
  name: string;
  email: string;
  timeZone: string;
  createdAt: string;
  contactMethods: ContactMethodView[];
  notificationRules: NotificationRuleView[];
}

export class TeamBody {
  @Transform(trimmed)
  @IsString()
  @Length(1, 200)
  name: string;

  @IsOptional()
  @IsString()
  @Length(0, 2000)
  description?: string;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(500)
  @ArrayUnique()
  @IsUUID('all', { each: true })
  memberIds?: string[];
}

export class TeamPatch {
  @ValidateIf(present)
  @Transform(trimmed)
  @IsString()
  @Length(1, 200)
  name?: string;

  @IsOptional()
  @IsString()
  @Length(0, 2000)
  description?: string;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(500)
  @ArrayUnique()
  @IsUUID('all', { each: true })
  memberIds?: string[];
}

export class UpdateTeamRequest extends TeamPatch {
  @IsUUID()
  id: string;
}

export interface TeamView {
  id: string;
  name: string;
  description: string | null;
  members: { id: string; name: string; email: string }[];
  createdAt: string;
}
