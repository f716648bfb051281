// Small statistics and number formatting shared by every comparison: median with min–max, as the tables show them.

export interface Sample {
  median: number;
  min: number;
  max: number;
  n: number;
  values: number[];
}

export function summarize(values: number[]): Sample {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return { median: NaN, min: NaN, max: NaN, n: 0, values: [] };
  const median = n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  return { median, min: sorted[0], max: sorted[n - 1], n, values };
}

/** `12.3 (11.9–13.0)`: median, then the range over the repetitions. */
export function fmtSample(sample: Sample | undefined, digits = 1, unit = ''): string {
  if (!sample || sample.n === 0 || !Number.isFinite(sample.median)) return 'n/a';
  return `${fmt(sample.median, digits)}${unit} (${fmt(sample.min, digits)}–${fmt(sample.max, digits)})`;
}

export function fmt(value: number | undefined, digits = 1): string {
  if (value === undefined || !Number.isFinite(value)) return 'n/a';
  return value.toFixed(digits);
}

export function pct(value: number | undefined, digits = 1): string {
  if (value === undefined || !Number.isFinite(value)) return 'n/a';
  return `${(value * 100).toFixed(digits)} %`;
}

export function fmtPctSample(sample: Sample | undefined, digits = 1): string {
  if (!sample || sample.n === 0 || !Number.isFinite(sample.median)) return 'n/a';
  return `${(sample.median * 100).toFixed(digits)} % (${(sample.min * 100).toFixed(digits)}–${(sample.max * 100).toFixed(digits)})`;
}

/** Element-wise ratio of two series measured in the same repetitions (a[i] / b[i]). */
export function pairedRatio(a: number[], b: number[]): Sample {
  const n = Math.min(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(a[i] / b[i]);
  return summarize(out);
}

/** Order of variants for repetition `rep`: rotated so no variant always runs first or right after the same neighbour. */
export function rotation<T>(variants: readonly T[], rep: number): T[] {
  const k = variants.length ? rep % variants.length : 0;
  const order = [...variants.slice(k), ...variants.slice(0, k)];
  return rep % 2 ? order.reverse() : order;
}
