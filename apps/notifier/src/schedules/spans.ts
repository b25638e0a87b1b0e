/** A half-open span of time `[start, end)`, in whatever clock the caller uses. */
export interface Span {
  start: number;
  end: number;
}

/** The union of spans: sorted, without empty spans, and with touching or overlapping spans joined. */
export function union(spans: readonly Span[]): Span[] {
  const sorted = spans.filter((s) => s.end > s.start).sort((a, b) => a.start - b.start);
  const out: Span[] = [];
  for (const span of sorted) {
    const last = out[out.length - 1];
    if (last && span.start <= last.end) last.end = Math.max(last.end, span.end);
    else out.push({ start: span.start, end: span.end });
  }
  return out;
}

/** The intersection of two unions (each sorted and disjoint, as `union` answers). */
export function intersect(a: readonly Span[], b: readonly Span[]): Span[] {
  const out: Span[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const start = Math.max(a[i].start, b[j].start);
    const end = Math.min(a[i].end, b[j].end);
    if (end > start) out.push({ start, end });
    if (a[i].end < b[j].end) i++;
    else j++;
  }
  return out;
}

/** What of `a` lies outside `b` (both sorted and disjoint). */
export function subtract(a: readonly Span[], b: readonly Span[]): Span[] {
  const out: Span[] = [];
  let j = 0;
  for (const span of a) {
    let start = span.start;
    while (j < b.length && b[j].end <= start) j++;
    let k = j;
    while (k < b.length && b[k].start < span.end) {
      if (b[k].start > start) out.push({ start, end: b[k].start });
      start = Math.max(start, b[k].end);
      k++;
    }
    if (start < span.end) out.push({ start, end: span.end });
  }
  return out;
}

/** `span` cut to `[from, to)`, or null when nothing is left. */
export function clip(span: Span, from: number, to: number): Span | null {
  const start = Math.max(span.start, from);
  const end = Math.min(span.end, to);
  return end > start ? { start, end } : null;
}
