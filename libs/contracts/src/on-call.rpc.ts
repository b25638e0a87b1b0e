import { Transform } from 'class-transformer';
import {
  IsArray,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  Min,
  ValidateIf,
} from 'class-validator';
import { PageQuery, present } from './rpc';

/*
 * Escalation policies and schedules, stored by notifier. The shapes of steps, layers and overrides are
 * checked by notifier's validators (apps/notifier/README.md), which answer every problem with its path;
 * these classes check the envelope around them.
 */

const trimmed = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? value.trim() : value;

const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;

/** A `+` in a query string arrives as a space: `…T09:00:00 02:00` is read as `…T09:00:00+02:00`. */
const instantFromQuery = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? value.replace(/ (\d{2}:\d{2})$/, '+$1') : value;

/** An instant with its offset; a time without one names no instant. */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;
const instantMessage = (name: string) =>
  `${name} must be an ISO 8601 date and time with Z or an offset, e.g. 2027-03-28T09:00:00+02:00`;

export const ESCALATION_TARGET_TYPES = ['user', 'team', 'schedule'] as const;
export type EscalationTargetType = (typeof ESCALATION_TARGET_TYPES)[number];

/** Whom a step pages: one user, every member of a team, or whoever is on call in a schedule. */
export interface EscalationTargetInput {
  type: EscalationTargetType;
  id: string;
}

export interface EscalationStepInput {
  targets: EscalationTargetInput[];
  /** Minutes from the start of this step to the start of the next (1–1440). */
  delayMinutes: number;
}

export class EscalationPolicyBody {
  @Transform(trimmed)
  @IsString()
  @Length(1, 200)
  name: string;

  @IsOptional()
  @IsString()
  @Length(0, 2000)
  description?: string | null;

  /** 1–20 steps, each `{targets: [{type, id}], delayMinutes}`; checked with every problem's path. */
  @IsArray()
  steps: EscalationStepInput[];

  /** How many times the steps run again after the first pass (0–9, default 0). */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(9)
  repeat?: number;
}

/** The fields of a policy a PATCH may change; absent fields stay as they are. */
export class EscalationPolicyPatch {
  @ValidateIf(present)
  @Transform(trimmed)
  @IsString()
  @Length(1, 200)
  name?: string;

  /** null removes the description. */
  @IsOptional()
  @IsString()
  @Length(0, 2000)
  description?: string | null;

  @ValidateIf(present)
  @IsArray()
  steps?: EscalationStepInput[];

  @ValidateIf(present)
  @IsInt()
  @Min(0)
  @Max(9)
  repeat?: number;
}

export class UpdateEscalationPolicyRequest extends EscalationPolicyPatch {
  @IsUUID()
  id: string;
}

export class PolicyCheckQuery {
  /** The first instant checked; now when left out. */
  @IsOptional()
  @Transform(instantFromQuery)
  @IsString()
  @Matches(INSTANT, { message: instantMessage('from') })
  from?: string;

  /** How many days are checked (1–90, default 30). */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(90)
  days?: number;
}

export class PolicyCheckRequest extends PolicyCheckQuery {
  @IsUUID()
  id: string;
}

export interface EscalationTargetView extends EscalationTargetInput {
  /** The user's, team's or schedule's name. */
  name: string;
}

export interface EscalationStepView {
  delayMinutes: number;
  targets: EscalationTargetView[];
}

export interface EscalationPolicyView {
  id: string;
  name: string;
  description: string | null;
  repeat: number;
  steps: EscalationStepView[];
  createdAt: string;
  updatedAt: string;
}

export const POLICY_ISSUE_KINDS = ['unknown-target', 'gap', 'uncovered', 'unreachable'] as const;
export type PolicyIssueKind = (typeof POLICY_ISSUE_KINDS)[number];

/** One thing that would go wrong; `step` counts from 0 (`steps[step]`), the reason from 1. */
export interface PolicyIssueView {
  kind: PolicyIssueKind;
  reason: string;
  step?: number;
  target?: EscalationTargetInput;
  /** unreachable: the user (null for a team without members). */
  userId?: string | null;
  /** gap and uncovered: the span in which nobody is on call. */
  start?: string;
  end?: string;
  /** unreachable: the first moment the step would reach them. */
  firstOnCall?: string;
}

export interface PolicyCheckView {
  policyId: string;
  from: string;
  to: string;
  /** True when every step reaches somebody reachable at every moment of the span. */
  ok: boolean;
  issues: PolicyIssueView[];
}

export class ScheduleBody {
  @Transform(trimmed)
  @IsString()
  @Length(1, 200)
  name: string;

  @IsOptional()
  @IsString()
  @Length(0, 2000)
  description?: string | null;

  /** An IANA time zone; hand-offs and restrictions are local to it. */
  @IsString()
  @Length(1, 100)
  timeZone: string;

  /** Rotations: `{id, level?, rotation, participants, end?, restrictions?}` (apps/notifier/README.md). */
  @IsArray()
  layers: Record<string, unknown>[];

  /** `{id, userId, start, end}` with instants; where overrides overlap, the later one wins. */
  @IsOptional()
  @IsArray()
  overrides?: Record<string, unknown>[];
}

/** The fields of a schedule a PATCH may change; absent fields stay as they are. */
export class SchedulePatch {
  @ValidateIf(present)
  @Transform(trimmed)
  @IsString()
  @Length(1, 200)
  name?: string;

  /** null removes the description. */
  @IsOptional()
  @IsString()
  @Length(0, 2000)
  description?: string | null;

  @ValidateIf(present)
  @IsString()
  @Length(1, 100)
  timeZone?: string;

  @ValidateIf(present)
  @IsArray()
  layers?: Record<string, unknown>[];

  @ValidateIf(present)
  @IsArray()
  overrides?: Record<string, unknown>[];
}

export class UpdateScheduleRequest extends SchedulePatch {
  @IsUUID()
  id: string;
}

export class OnCallQuery {
  /** The instant asked about; now when left out. */
  @IsOptional()
  @Transform(instantFromQuery)
  @IsString()
  @Matches(INSTANT, { message: instantMessage('at') })
  at?: string;
}

export class OnCallRequest extends OnCallQuery {
  @IsUUID()
  id: string;
}

export class ShiftsQuery extends PageQuery {
  /** Shifts that end after this instant; now when left out. */
  @IsOptional()
  @Transform(instantFromQuery)
  @IsString()
  @Matches(INSTANT, { message: instantMessage('from') })
  from?: string;

  /** …and start before this one; 7 days after `from` when left out, at most 400 days after it. */
  @IsOptional()
  @Transform(instantFromQuery)
  @IsString()
  @Matches(INSTANT, { message: instantMessage('to') })
  to?: string;
}

export class ShiftsRequest extends ShiftsQuery {
  @IsUUID()
  id: string;
}

export class FeedQuery {
  /** The feed's first instant; 7 days ago when left out. */
  @IsOptional()
  @Transform(instantFromQuery)
  @IsString()
  @Matches(INSTANT, { message: instantMessage('from') })
  from?: string;

  /** The feed's last instant; 90 days after `from` when left out, at most 400 days after it. */
  @IsOptional()
  @Transform(instantFromQuery)
  @IsString()
  @Matches(INSTANT, { message: instantMessage('to') })
  to?: string;

  /** Only this user's shifts. */
  @IsOptional()
  @IsUUID()
  userId?: string;
}

export class FeedRequest extends FeedQuery {
  @IsUUID()
  id: string;
}

export class FeedByTokenRequest extends FeedQuery {
  @IsString()
  @Length(1, 200)
  token: string;
}

export interface ScheduleView {
  id: string;
  name: string;
  description: string | null;
  timeZone: string;
  layers: Record<string, unknown>[];
  overrides: Record<string, unknown>[];
  /**
   * The iCalendar feed calendar apps subscribe to, without headers. It ends in `{token}`, a placeholder,
   * except when the schedule is created or its feed token rotated: the only answers holding the token.
   */
  feedUrl: string;
  feedToken?: string;
  createdAt: string;
  updatedAt: string;
}

export type ShiftSourceView =
  | { kind: 'layer'; layerId: string; level: number; slot: number; participantIndex: number }
  | { kind: 'override'; overrideId: string };

export interface ShiftView {
  start: string;
  end: string;
  userIds: string[];
  users: { id: string; name: string; email: string }[];
  source: ShiftSourceView;
}

export interface OnCallView {
  scheduleId: string;
  at: string;
  /** The shift that holds `at`, or null when nobody is on call then. */
  shift: ShiftView | null;
}

export interface FeedView {
  /** iCalendar text (RFC 5545), CRLF line ends. */
  calendar: string;
}
