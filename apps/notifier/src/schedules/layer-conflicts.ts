import { activeLocal } from './layer-time';
import { DAY, formatLocal } from './local-time';
import type { Layer } from './schedule';
import { type Span, intersect, subtract, union } from './spans';

/*
 * Which sets of layers contradict themselves. Layers stack by level: where layers of different levels
 * are active at the same time, the highest level is on call; that is never a contradiction. Two kinds are:
 *
 * - two layers of the same level active at the same moment: nothing says which of them is on call
 *   (same-level layers are for side-by-side rotations, such as a weekday and a weekend rotation);
 * - a layer that higher layers cover wherever it is active: its participants would never be on call.
 *
 * Both are decided in local time. Restriction windows repeat every week, so between two moments at
 * which some layer starts or stops, the pattern of active layers repeats weekly, and two weeks of it
 * decide the whole stretch. (Deciding in local time refuses also a same-level overlap that lies wholly
 * inside an hour the clocks skip; nothing is lost by that.)
 */

/** Long enough for the weekly pattern of every window (each shorter than a week) to show in full. */
const HORIZON = 15 * DAY;

export interface LayerConflict {
  layer: Layer;
  reason: string;
}

/** The contradictions among valid layers, each attached to the layer to change. */
export function layerConflicts(layers: readonly Layer[]): LayerConflict[] {
  const conflicts: LayerConflict[] = [];
  layers.forEach((layer, i) => {
    for (const other of layers.slice(i + 1)) {
      if (other.level !== layer.level) continue;
      const meet = firstOverlap(layer, other);
      if (meet !== null) {
        conflicts.push({
          layer: other,
          reason:
            `layers ${quote(layer.id)} and ${quote(other.id)} are both on level ${layer.level} and both active at ` +
            `${formatLocal(meet)} local time; give one of them another level or restrictions that do not meet`,
        });
      }
    }
  });
  for (const layer of layers) {
    const higher = layers.filter((l) => l.level > layer.level);
    const visible = firstVisible(layer, higher);
    if (visible === 'never-active') {
      conflicts.push({
        layer,
        reason: `layer ${quote(layer.id)} is never active: its restrictions leave no time before it ends`,
      });
    } else if (visible === null) {
      conflicts.push({
        layer,
        reason:
          `layer ${quote(layer.id)} is hidden wherever it is active by higher layers ` +
          `(${higher.map((l) => quote(l.id)).join(', ')}): nobody in it would ever be on call`,
      });
    }
  }
  return conflicts;
}

/** The first local moment at which two layers are both active, or null. */
function firstOverlap(a: Layer, b: Layer): number | null {
  const start = Math.max(a.anchorLocal, b.anchorLocal);
  const end = Math.min(a.endLocal ?? Infinity, b.endLocal ?? Infinity);
  if (start >= end) return null;
  const to = Math.min(end, start + HORIZON);
  const both = intersect(activeLocal(a, start, to), activeLocal(b, start, to));
  return both.length > 0 ? both[0].start : null;
}

/**
 * The first local moment at which `layer` is active and no higher layer is; null when there is none;
 * `never-active` when the layer itself is never active.
 */
function firstVisible(layer: Layer, higher: readonly Layer[]): number | null | 'never-active' {
  const end = layer.endLocal ?? Infinity;
  const cuts = [layer.anchorLocal, end];
  for (const h of higher) {
    for (const t of [h.anchorLocal, h.endLocal]) {
      if (t !== null && t > layer.anchorLocal && t < end) cuts.push(t);
    }
  }
  const points = [...new Set(cuts)].sort((x, y) => x - y);
  let active = false;
  for (let i = 0; i + 1 < points.length; i++) {
    const from = points[i];
    const to = Math.min(points[i + 1], from + HORIZON);
    const own: Span[] = activeLocal(layer, from, to);
    if (own.length === 0) continue;
    active = true;
    const cover = union(higher.flatMap((h) => activeLocal(h, from, to)));
    const left = subtract(own, cover);
    if (left.length > 0) return left[0].start;
  }
  return active ? null : 'never-active';
}

function quote(text: string): string {
  return JSON.stringify(text.length > 100 ? `${text.slice(0, 100)}…` : text);
}
