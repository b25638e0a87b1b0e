/*
 * The schedule model: what people write (`ScheduleDefinition`, plain JSON) and what the functions of
 * this folder compute with (`Schedule`, made only by `validateSchedule`). See the README, "Schedules".
 */

/** How long each shift of a rotation lasts: one hour, one day, one week, or a custom length. */
export type RotationType = 'hourly' | 'daily' | 'weekly' | 'custom';

/** The unit of a custom shift length. Every unit is wall-clock time in the schedule's zone. */
export type ShiftUnit = 'hours' | 'days' | 'weeks';

export const WEEKDAYS = [
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
  'sunday',
] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface RotationDefinition {
  type: RotationType;
  /** The local date (`YYYY-MM-DD`) of the first hand-off; weekly rotations hand off on its weekday. */
  startDate: string;
  /** The local hand-off time (`HH:mm`); hourly rotations hand off at its minute past every hour. */
  handoffTime: string;
  /** Custom rotations only: the number of `unit`s in a shift, a whole number from 1. */
  shiftLength?: number;
  /** Custom rotations only. */
  unit?: ShiftUnit;
}

/**
 * When a layer is active, in the schedule's local time: every day from `startTime` to `endTime`, or
 * every week from `startDay startTime` to `endDay endTime`. An end at or before the start wraps into
 * the next day (week): 22:00–06:00 is a night. A layer with several restrictions is active in any of them.
 */
export type RestrictionDefinition =
  | { type: 'daily'; startTime: string; endTime: string }
  | { type: 'weekly'; startDay: Weekday; startTime: string; endDay: Weekday; endTime: string };

/** A user id, or several user ids who are on call together for one shift. */
export type Participant = string | string[];

export interface LayerDefinition {
  /** Unique within the schedule; it names the layer in shifts, problems and feeds. */
  id: string;
  /**
   * Precedence: where layers of different levels are active at once, the highest level is on call.
   * Layers of one level must never be active at the same time. Defaults to the layer's position (1, 2, …),
   * so a later layer wins over an earlier one.
   */
  level?: number;
  rotation: RotationDefinition;
  /** In rotation order: the first takes the shift that starts at the first hand-off. */
  participants: Participant[];
  /** The local date and time (`YYYY-MM-DDTHH:mm`) at which the layer stops; none: it never stops. */
  end?: string;
  restrictions?: RestrictionDefinition[];
}

export interface OverrideDefinition {
  /** Unique within the schedule. */
  id: string;
  userId: string;
  /** ISO 8601 date and time with `Z` or an offset, e.g. `2025-03-30T09:00:00+02:00`. */
  start: string;
  end: string;
}

export interface ScheduleDefinition {
  /** An IANA time zone name, e.g. `Europe/Berlin`. Hand-offs and restrictions are local to it. */
  timeZone: string;
  layers: LayerDefinition[];
  /** Listed oldest first: where overrides overlap, the later one wins. */
  overrides?: OverrideDefinition[];
}

/** A recurring window of local time: `[periodStart + offset, periodStart + offset + length)`. */
export interface Window {
  /** `DAY` or `WEEK` (weeks start on Monday 00:00). */
  period: number;
  offset: number;
  length: number;
}

/** A validated layer. Times named `local` are wall-clock values (see local-time.ts). */
export interface Layer {
  id: string;
  level: number;
  /** The local time of the first hand-off. */
  anchorLocal: number;
  /** The wall-clock length of one shift. */
  shiftLocal: number;
  /** Each participant as the user ids on call together. */
  participants: string[][];
  endLocal: number | null;
  /** Empty: active whenever the layer runs. */
  windows: Window[];
}

/** A validated override: instants in milliseconds since the epoch. */
export interface Override {
  id: string;
  userIds: string[];
  start: number;
  end: number;
}

/** A validated schedule; only `validateSchedule` makes one. */
export interface Schedule {
  timeZone: string;
  layers: Layer[];
  overrides: Override[];
}

/** What made a shift: a layer's rotation (which shift of it, and whose turn) or an override. */
export type ShiftSource =
  | { kind: 'layer'; layerId: string; level: number; slot: number; participantIndex: number }
  | { kind: 'override'; overrideId: string };

/** A span of time in which the same people are on call for the same reason. Instants in ms. */
export interface Shift {
  start: number;
  end: number;
  userIds: string[];
  source: ShiftSource;
}

/** One thing wrong with a definition: where (`layers[1].rotation.handoffTime`) and why. */
export interface Problem {
  path: string;
  reason: string;
}
