import { DAY, WEEK, startOfDay, startOfWeek, toInstant, toLocal } from './local-time';
import type { Layer, Window } from './schedule';
import { type Span, clip, intersect, union } from './spans';

/*
 * When a layer runs, and whose turn it is, first in local (wall-clock) time and then as instants.
 * Shift k of a layer starts at the local time `anchor + k × shift` and ends where shift k + 1 starts;
 * both are turned into instants by `toInstant`, so every hand-off is the same wall-clock time
 * whatever the offset, and a shift simply lasts as long as the clocks say.
 */

/** The windows of a layer's restrictions that meet the local span `[from, to)`, joined and cut to it. */
export function windowsLocal(windows: readonly Window[], from: number, to: number): Span[] {
  const spans: Span[] = [];
  for (const window of windows) {
    const floor = window.period === WEEK ? startOfWeek : startOfDay;
    for (let period = floor(from - window.length); period + window.offset < to; period += window.period) {
      const span = clip(
        { start: period + window.offset, end: period + window.offset + window.length },
        from,
        to,
      );
      if (span) spans.push(span);
    }
  }
  return union(spans);
}

/** When a layer is active within the local span `[from, to)`: from its first hand-off to its end, in its windows. */
export function activeLocal(layer: Layer, from: number, to: number): Span[] {
  const span = clip({ start: layer.anchorLocal, end: layer.endLocal ?? Infinity }, from, to);
  if (!span) return [];
  return layer.windows.length === 0 ? [span] : windowsLocal(layer.windows, span.start, span.end);
}

/** The instant of a layer's k-th hand-off (k = 0: its first). */
export function handoffAt(timeZone: string, layer: Layer, slot: number): number {
  return toInstant(timeZone, layer.anchorLocal + slot * layer.shiftLocal);
}

/** The instant a layer stops, or Infinity. */
export function layerEnd(timeZone: string, layer: Layer): number {
  return layer.endLocal === null ? Infinity : toInstant(timeZone, layer.endLocal);
}

/**
 * The shift of a layer's rotation that holds the instant `at`, or null before the first hand-off.
 * A shift that lies wholly inside a skipped span of local time has no instants and holds none.
 */
export function slotAt(timeZone: string, layer: Layer, at: number): number | null {
  if (at < handoffAt(timeZone, layer, 0)) return null;
  let slot = Math.max(0, Math.floor((toLocal(timeZone, at) - layer.anchorLocal) / layer.shiftLocal));
  while (slot > 0 && handoffAt(timeZone, layer, slot) > at) slot--;
  while (handoffAt(timeZone, layer, slot + 1) <= at) slot++;
  return slot;
}

/** One shift of a layer, as it applies: cut to the layer's end and to its restriction windows. */
export interface LayerPiece extends Span {
  slot: number;
}

/**
 * The pieces of a layer's shifts that meet the instants `[from, to)`. Pieces keep their full extent
 * (they are not cut to `[from, to)`), so a piece that starts before `from` says where it starts.
 */
export function layerPieces(timeZone: string, layer: Layer, from: number, to: number): LayerPiece[] {
  const end = layerEnd(timeZone, layer);
  const first = slotAt(timeZone, layer, Math.max(from, handoffAt(timeZone, layer, 0)));
  if (first === null) return [];
  const slots: LayerPiece[] = [];
  for (let slot = first, start = handoffAt(timeZone, layer, first); start < to && start < end; slot++) {
    const next = handoffAt(timeZone, layer, slot + 1);
    const piece = { slot, start, end: Math.min(next, end) };
    if (piece.end > piece.start) slots.push(piece);
    start = next;
  }
  if (layer.windows.length === 0 || slots.length === 0) return slots;

  // Restriction windows, found in local time around the shifts and turned into instants.
  const lo = slots[0].start;
  const hi = slots[slots.length - 1].end;
  const windows = union(
    windowsLocal(layer.windows, toLocal(timeZone, lo) - DAY, toLocal(timeZone, hi) + DAY).map((w) => ({
      start: toInstant(timeZone, w.start),
      end: toInstant(timeZone, w.end),
    })),
  );
  const pieces: LayerPiece[] = [];
  for (const slot of slots) {
    for (const span of intersect([slot], windows)) pieces.push({ slot: slot.slot, ...span });
  }
  return pieces.filter((p) => p.end > from && p.start < to);
}
