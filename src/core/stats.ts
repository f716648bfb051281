// Pure statistics for run reports: spread over repeats, outlier detection (MAD, IQR) and the Amdahl fit of a worker sweep.
import type { Spread } from '../shared/report';

export function mean(values: readonly number[]): number {
  return values.length === 0 ? NaN : values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** Ascending numeric copy: a typed array sorts 100,000 values in ~15 ms, an array with a comparator in ~100. */
function sortedCopy(values: readonly number[]): Float64Array {
  return Float64Array.from(values).sort();
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = sortedCopy(values);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Linear-interpolated quantile (the R-7 / NumPy default), q in [0, 1]. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = sortedCopy(values);
  const position = (sorted.length - 1) * Math.min(1, Math.max(0, q));
  const below = Math.floor(position);
  const above = Math.ceil(position);
  return sorted[below] + (sorted[above] - sorted[below]) * (position - below);
}

/** Mean, sample standard deviation (n − 1), min, max and median. */
export function spreadOf(values: readonly number[]): Spread {
  const n = values.length;
  if (n === 0) return { mean: NaN, stddev: NaN, min: NaN, max: NaN, median: NaN, n: 0 };
  const average = mean(values);
  const variance = n > 1 ? values.reduce((sum, value) => sum + (value - average) ** 2, 0) / (n - 1) : 0;
  return { mean: average, stddev: Math.sqrt(variance), min: Math.min(...values), max: Math.max(...values), median: median(values), n };
}

/** Iglewicz and Hoaglin's cut-off for the modified z-score. */
export const MODIFIED_Z_THRESHOLD = 3.5;

/**
 * Modified z-scores, 0.6745 · (x − median) / MAD. When more than half the values are equal the MAD is 0;
 * the mean absolute deviation (scaled by 1.2533) stands in, so one odd value among identical ones still stands out.
 */
export function modifiedZScores(values: readonly number[]): number[] {
  const centre = median(values);
  const mad = median(values.map((value) => Math.abs(value - centre)));
  if (mad > 0) return values.map((value) => (0.6745 * (value - centre)) / mad);
  const meanAbsolute = mean(values.map((value) => Math.abs(value - centre)));
  if (!(meanAbsolute > 0)) return values.map(() => 0);
  return values.map((value) => (value - centre) / (1.253314 * meanAbsolute));
}

/** Indices of values whose modified z-score exceeds the threshold. */
export function madOutliers(values: readonly number[], threshold = MODIFIED_Z_THRESHOLD): number[] {
  return modifiedZScores(values).flatMap((score, index) => (Math.abs(score) > threshold ? [index] : []));
}

/** Indices of values outside Tukey's fences [Q1 − k·IQR, Q3 + k·IQR]. */
export function iqrOutliers(values: readonly number[], k = 1.5): number[] {
  const q1 = quantile(values, 0.25);
  const q3 = quantile(values, 0.75);
  const range = q3 - q1;
  return values.flatMap((value, index) => (value < q1 - k * range || value > q3 + k * range ? [index] : []));
}

/**
 * True when the first of several runs stands well apart from the rest (cold caches, module loading, JIT):
 * slower than the others' median by a quarter and by more than three robust standard deviations of the others.
 */
export function isFirstRunSlow(values: readonly number[]): boolean {
  if (values.length < 3) return false;
  const [first, ...rest] = values;
  const centre = median(rest);
  const robustSigma = 1.4826 * median(rest.map((value) => Math.abs(value - centre)));
  return first > centre * 1.25 && first - centre > 3 * robustSigma;
}

/**
 * The wall time of tasks of these durations on `workers` workers, each task going to the first worker free, in the
 * order given: what a pool does with its queue (list scheduling, no dispatch cost).
 */
export function greedyMakespan(durations: ArrayLike<number>, workers: number): number {
  const freeAt = new Float64Array(Math.max(1, Math.min(workers, durations.length)));
  for (let i = 0; i < durations.length; i++) {
    let first = 0;
    for (let w = 1; w < freeAt.length; w++) if (freeAt[w] < freeAt[first]) first = w;
    freeAt[first] += durations[i];
  }
  return freeAt.reduce((most, at) => Math.max(most, at), 0);
}

/**
 * Amdahl's law with the core limit: the speedup n workers give when a fraction f of the work is serial and at most
 * `cores` of them can run at once (beyond the cores, workers share CPUs and add nothing for CPU-bound work).
 */
export function amdahlSpeedup(serialFraction: number, workers: number, cores = Infinity): number {
  const parallel = Math.min(workers, cores);
  return 1 / (serialFraction + (1 - serialFraction) / parallel);
}

/**
 * Least-squares serial fraction f for 1/speedup = f + (1 − f)/m with m = min(n, cores), i.e. (1/s − 1/m) = f · (1 − 1/m),
 * clamped to [0, 1]. Without the core limit, points above the core count read the cores' ceiling as a serial fraction
 * (on 2 cores, 1.94× at 2 and 1.86× at 3 workers gave "20.7 % serial"). Points with m = 1 carry no information about f;
 * with none left the answer is 1 (nothing shown to parallelise).
 */
export function fitAmdahlSerialFraction(points: ReadonlyArray<{ workers: number; speedup: number }>, cores = Infinity): number {
  let numerator = 0;
  let denominator = 0;
  for (const { workers, speedup } of points) {
    const m = Math.min(workers, cores);
    if (!(m > 1) || !(speedup > 0) || !Number.isFinite(speedup)) continue;
    const a = 1 - 1 / m;
    const b = 1 / speedup - 1 / m;
    numerator += a * b;
    denominator += a * a;
  }
  if (denominator === 0) return 1;
  return Math.min(1, Math.max(0, numerator / denominator));
}

/** Two-sided 95 % quantiles of Student's t for 1…30 degrees of freedom. */
const T_975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];

/** t such that P(|T| ≤ t) = 0.95 with `df` degrees of freedom; beyond 30, interpolated in 1/df towards 1.96. */
export function tQuantile975(df: number): number {
  if (!(df >= 1)) return NaN;
  if (df <= 30) return T_975[Math.floor(df) - 1];
  return 1.96 + (2.042 - 1.96) * (30 / df);
}

export interface RatioInterval {
  median: number;
  low: number;
  high: number;
  n: number;
  /** Half the interval's width relative to the median (0.05 = ±5 %). */
  relativeHalfWidth: number;
}

/**
 * A 95 % interval for a ratio measured n times (speedups of serial/parallel pairs): Student's t over the logs, whose
 * spread is the ratio's relative spread, centred on the median so one odd pair moves the centre little. With one value
 * there is no interval: low = high = the value and the half-width is infinite.
 */
export function ratioInterval(ratios: readonly number[]): RatioInterval {
  const n = ratios.length;
  const centre = median(ratios);
  if (n < 2) return { median: centre, low: centre, high: centre, n, relativeHalfWidth: Infinity };
  const logs = ratios.map(Math.log);
  const average = mean(logs);
  const sd = Math.sqrt(logs.reduce((sum, value) => sum + (value - average) ** 2, 0) / (n - 1));
  const h = (tQuantile975(n - 1) * sd) / Math.sqrt(n);
  const low = centre * Math.exp(-h);
  const high = centre * Math.exp(h);
  return { median: centre, low, high, n, relativeHalfWidth: (high - low) / 2 / centre };
}
