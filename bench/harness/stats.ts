/** Small, dependency-free statistics for the bench (pure). */

export interface Summary {
  median: number;
  min: number;
  max: number;
  /** The raw per-round values, in round order. */
  samples: number[];
}

function sorted(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

function requireValues(values: readonly number[], what: string): void {
  if (values.length === 0) throw new Error(`${what} of no values`);
  if (values.some((value) => !Number.isFinite(value))) throw new Error(`${what}: non-finite value`);
}

export function median(values: readonly number[]): number {
  requireValues(values, 'median');
  const s = sorted(values);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Nearest-rank percentile (p in 0..100): the smallest value with at least p % of the values at or below it. */
export function percentile(values: readonly number[], p: number): number {
  requireValues(values, 'percentile');
  if (!(p >= 0 && p <= 100)) throw new Error(`percentile: p must be within 0..100 (got ${p})`);
  const s = sorted(values);
  const rank = Math.max(1, Math.ceil((p / 100) * s.length));
  return s[rank - 1]!;
}

export function summarize(samples: readonly number[]): Summary {
  requireValues(samples, 'summary');
  return { median: median(samples), min: Math.min(...samples), max: Math.max(...samples), samples: [...samples] };
}

/** Per-round ratios a[i] / b[i] of two interleaved series (paired by round). */
export function pairedRatios(a: readonly number[], b: readonly number[]): number[] {
  if (a.length !== b.length) throw new Error(`pairedRatios: ${a.length} vs ${b.length} samples`);
  return a.map((value, index) => {
    const divisor = b[index]!;
    if (divisor === 0) throw new Error('pairedRatios: division by zero');
    return value / divisor;
  });
}
