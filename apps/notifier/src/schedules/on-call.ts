import { type LayerPiece, handoffAt, layerEnd, layerPieces, slotAt } from './layer-time';
import { DAY } from './local-time';
import type { Layer, Override, Schedule, Shift, ShiftSource } from './schedule';
import type { Span } from './spans';

/*
 * Who is on call: the final shifts of a schedule once layers and overrides are applied.
 *
 * At every instant the winner is the last override (in list order) whose span holds it; else the
 * active layer with the highest level; else nobody. A final shift is a longest span with one winner
 * and, for a layer, one of its shifts: an override cuts a layer's shift in two, a higher layer's
 * restriction window cuts out of a lower layer's shift, and consecutive shifts of the same person
 * stay separate shifts (each hand-off is a shift boundary, even a hand-off to oneself).
 */

/** The longest range `shiftsBetween` answers, so that no request makes unbounded work. */
export const MAX_RANGE_MS = 400 * DAY;

/**
 * The final shifts that meet the instants `[from, to)` (ms), in order, each with its full extent: the
 * first may start before `from` and the last end after `to`. Where nobody is on call there is no shift.
 * Throws a RangeError for an empty or reversed range or one longer than `MAX_RANGE_MS`.
 */
export function shiftsBetween(schedule: Schedule, from: number, to: number): Shift[] {
  if (!Number.isFinite(from) || !Number.isFinite(to) || to <= from) {
    throw new RangeError('the range must be finite and end after it starts');
  }
  if (to - from > MAX_RANGE_MS) throw new RangeError(`the range is longer than ${MAX_RANGE_MS / DAY} days`);
  // A final shift lies inside the raw shift or override it comes from, so computing from the earliest
  // start of those that hold `from` to the latest end of those that hold `to` gives exact extents.
  const lo = Math.min(from, ...holding(schedule, from).map((s) => s.start));
  const hi = Math.max(to, ...holding(schedule, to).map((s) => s.end));
  return timeline(schedule, lo, hi).filter((shift) => shift.end > from && shift.start < to);
}

/**
 * Who is on call at the instant `at` (ms): the final shift that holds it (users, start, end, and the
 * layer or override it comes from), or null when nobody is. Always the shift `shiftsBetween` answers.
 */
export function onCallAt(schedule: Schedule, at: number): Shift | null {
  return shiftsBetween(schedule, at, at + 1)[0] ?? null;
}

/** The raw layer shifts and overrides that hold the instant `at`. */
function holding(schedule: Schedule, at: number): Span[] {
  const spans: Span[] = schedule.overrides.filter((o) => o.start <= at && at < o.end);
  for (const layer of schedule.layers) {
    const slot = slotAt(schedule.timeZone, layer, at);
    const end = layerEnd(schedule.timeZone, layer);
    if (slot === null || at >= end) continue;
    spans.push({
      start: handoffAt(schedule.timeZone, layer, slot),
      end: Math.min(end, handoffAt(schedule.timeZone, layer, slot + 1)),
    });
  }
  return spans;
}

interface Candidate {
  layer: Layer;
  pieces: LayerPiece[];
  next: number;
}

/** The final shifts inside `[from, to)`, cut to it. */
function timeline(schedule: Schedule, from: number, to: number): Shift[] {
  const overrides = schedule.overrides
    .map((override, index) => ({ override, index }))
    .filter(({ override }) => override.end > from && override.start < to);
  // Highest level first; among equals (never both active, see layer-conflicts.ts) the later layer.
  const candidates: Candidate[] = schedule.layers
    .map((layer, index) => ({
      layer,
      index,
      pieces: layerPieces(schedule.timeZone, layer, from, to),
      next: 0,
    }))
    .sort((a, b) => b.layer.level - a.layer.level || b.index - a.index);

  const cuts = new Set<number>([from, to]);
  for (const { override } of overrides) cuts.add(override.start).add(override.end);
  for (const candidate of candidates) {
    for (const piece of candidate.pieces) cuts.add(piece.start).add(piece.end);
  }
  const points = [...cuts].filter((t) => t >= from && t <= to).sort((a, b) => a - b);

  const shifts: Shift[] = [];
  let lastKey: string | null = null;
  for (let i = 0; i + 1 < points.length; i++) {
    const [start, end] = [points[i], points[i + 1]];
    const winner = winnerAt(start, overrides, candidates);
    if (!winner) {
      lastKey = null;
      continue;
    }
    const last = shifts[shifts.length - 1];
    if (winner.key === lastKey && last.end === start) last.end = end;
    else shifts.push({ start, end, userIds: [...winner.userIds], source: winner.source });
    lastKey = winner.key;
  }
  return shifts;
}

function winnerAt(
  at: number,
  overrides: { override: Override; index: number }[],
  candidates: Candidate[],
): { key: string; userIds: string[]; source: ShiftSource } | null {
  for (let i = overrides.length - 1; i >= 0; i--) {
    const { override, index } = overrides[i];
    if (override.start <= at && at < override.end) {
      return {
        key: `override:${index}`,
        userIds: override.userIds,
        source: { kind: 'override', overrideId: override.id },
      };
    }
  }
  for (const candidate of candidates) {
    // Pieces are sorted and disjoint and `at` only grows: move the cursor past the pieces that ended.
    while (candidate.next < candidate.pieces.length && candidate.pieces[candidate.next].end <= at) {
      candidate.next++;
    }
    const piece = candidate.pieces[candidate.next];
    if (piece && piece.start <= at) {
      const { layer } = candidate;
      const participantIndex = piece.slot % layer.participants.length;
      return {
        key: `layer:${layer.id}:${piece.slot}`,
        userIds: layer.participants[participantIndex],
        source: { kind: 'layer', layerId: layer.id, level: layer.level, slot: piece.slot, participantIndex },
      };
    }
  }
  return null;
}
