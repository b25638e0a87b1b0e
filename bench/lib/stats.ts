/** Order statistics over plain arrays of numbers. */

/** The value at quantile q (0..1) of an ascending array, by the nearest-rank method. */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil(q * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export interface Distribution {
  count: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export function distribution(values: readonly number[]): Distribution {
  const sorted = Float64Array.from(values).sort();
  const list = Array.from(sorted);
  const sum = list.reduce((a, b) => a + b, 0);
  return {
    count: list.length,
    min: list.length ? list[0] : Number.NaN,
    p50: quantileSorted(list, 0.5),
    p90: quantileSorted(list, 0.9),
    p99: quantileSorted(list, 0.99),
    max: list.length ? list[list.length - 1] : Number.NaN,
    mean: list.length ? sum / list.length : Number.NaN,
  };
}

/** The median of a small list (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  const finite = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (finite.length === 0) return Number.NaN;
  const mid = Math.floor(finite.length / 2);
  return finite.length % 2 === 1 ? finite[mid] : (finite[mid - 1] + finite[mid]) / 2;
}
